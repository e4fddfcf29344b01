import { getArtifactStore } from "@/lib/artifacts/runtime";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { startLoop } from "@/lib/util/loop";
import { createJobsScheduler, type JobsScheduler } from "./scheduler";

let active: JobsScheduler | undefined;

/** The leader's jobs loop (server.ts starts it with the other loops); returns its stop. */
export function startJobsLoop({
  tickMs,
  pollMs,
  logMaxBytes,
  spoolDir,
}: {
  tickMs: number;
  pollMs: number;
  logMaxBytes: number;
  spoolDir: string;
}): () => void {
  let scheduler: JobsScheduler | undefined;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    scheduler ??= createJobsScheduler({
      db: await getDb(),
      spawner: getSpawner(),
      store: getArtifactStore(),
      pollMs,
      logMaxBytes,
      spoolDir,
    });
    active = scheduler;
    await scheduler.tick();
  };
  // startLoop catches what the tick throws (a database not reachable yet), which `void tick()` left unhandled.
  const stopLoop = startLoop("jobs loop", tickMs, tick);
  return () => {
    stopped = true;
    stopLoop();
    scheduler?.stop();
    if (active === scheduler) active = undefined;
  };
}

/** A run-now or a cancel on the leader need not wait for the next tick; elsewhere the leader's tick picks it up. */
export function nudgeJobsLoop(): void {
  void active?.tick();
}
