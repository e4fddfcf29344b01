/**
 * The leader's jobs loop (docs/jobs.md): each tick it decides which cron times are due (a time
 * missed while no leader ran is run once, the latest of them), launches queued executions, and
 * watches running ones, adopting those a previous leader started. Objects of executions whose row
 * ended are removed by the one reconcile (lib/workloads/reconcile.ts). Two schedulers deciding the same minute
 * insert the same run key; the unique index lets one of them through (queueExecution).
 */
import type { Db } from "@/db/client";
import {
  insertExecutions,
  jobsWithQueuedExecutions,
  listExecutionsIn,
  listScheduledJobs,
  setScheduledThrough,
  type JobRow,
} from "@/db/queries/jobs";
import { mapLimit } from "@/lib/util/map-limit";
import { latestTimeAtOrBefore, nextTimeAfter } from "./cron";
import { launchExecution, newExecutionId, watchExecution, type JobDeps } from "./execute";

/** The cron slot's run key: the same for every scheduler that decides it. */
export function cronRunKey(jobId: string, at: Date): string {
  return `${jobId}@${at.toISOString()}`;
}

/**
 * When each job next fires after its scheduled_through, remembered by the scheduler between ticks
 * so a tick with nothing due asks croner nothing (about 0.3 ms a lookup, 1,000 jobs a tick).
 */
export type NextFireMemo = Map<string, number>;

/** The latest due time of a job in (scheduledThrough, now], or undefined when nothing is due. */
export function dueTime(job: JobRow, now: Date, memo?: NextFireMemo): Date | undefined {
  if (job.trigger !== "cron" || job.paused || !job.cron) return undefined;
  const from = job.scheduledThrough ?? job.createdAt;
  const tz = job.timeZone ?? "UTC";
  try {
    const key = `${job.id} ${from.getTime()} ${tz} ${job.cron}`;
    let next = memo?.get(key);
    if (next === undefined) {
      next = nextTimeAfter(job.cron, tz, from)?.getTime() ?? Number.POSITIVE_INFINITY;
      if (memo) {
        if (memo.size >= 100_000) memo.clear();
        memo.set(key, next);
      }
    }
    if (next > now.getTime()) return undefined;
    // Looked up backwards from now: a leader away for a year finds its slot without listing every minute.
    return latestTimeAtOrBefore(job.cron, tz, now);
  } catch {
    return undefined; // an expression a newer rule refuses: the edit form says why
  }
}

/**
 * Queues each cron job's due slot, in one insert and one update; returns how many executions this
 * call queued. A slot that comes while the job's previous execution still waits queued (for quota)
 * is decided but skipped, so a full quota does not pile up one execution a minute.
 */
export async function decideDue(db: Db, now: Date = new Date(), memo?: NextFireMemo): Promise<number> {
  const due: Array<{ job: JobRow; at: Date }> = [];
  for (const job of await listScheduledJobs(db)) {
    const at = dueTime(job, now, memo);
    if (at) due.push({ job, at });
  }
  const waiting = due.length > 0 ? await jobsWithQueuedExecutions(db) : new Set<string>();
  const queued = await insertExecutions(
    db,
    due
      .filter(({ job }) => !waiting.has(job.id))
      .map(({ job, at }) => ({
        id: newExecutionId(),
        jobId: job.id,
        runKey: cronRunKey(job.id, at),
        cause: "cron" as const,
        scheduledFor: at,
        state: "queued" as const,
        cpu: job.cpu,
        memGb: job.memGb,
      })),
  );
  await setScheduledThrough(
    db,
    due.map(({ job, at }) => ({ id: job.id, at })),
  );
  return queued.length;
}

export interface JobsScheduler {
  /** One pass: decide, launch, watch. Concurrent calls share the pass in progress. */
  tick(): Promise<void>;
  stop(): void;
  /** Executions this scheduler is watching now. */
  watching(): ReadonlySet<string>;
}

export function createJobsScheduler(deps: JobDeps): JobsScheduler {
  const watched = new Set<string>();
  const nextFire: NextFireMemo = new Map();
  const ac = new AbortController();
  let current: Promise<void> | undefined;

  const watch = (id: string) => {
    if (watched.has(id) || ac.signal.aborted) return;
    watched.add(id);
    void watchExecution(deps, id, ac.signal)
      .catch((err: unknown) => console.error(`[atrium] watching job execution ${id} failed:`, err))
      .finally(() => watched.delete(id));
  };

  const pass = async () => {
    if (!(await deps.spawner.ping())) return;
    await decideDue(deps.db, new Date(), nextFire);
    // Adopt before launching: what runs now was started by this leader or a previous one.
    for (const e of await listExecutionsIn(deps.db, ["running"])) watch(e.id);
    const queued = await listExecutionsIn(deps.db, ["queued"]);
    await mapLimit(queued, 4, async (e) => {
      if (ac.signal.aborted) return;
      if (await launchExecution(deps, e.id)) watch(e.id);
    });
  };

  return {
    tick() {
      current ??= pass()
        .catch((err: unknown) => console.error("[atrium] jobs loop failed:", err))
        .finally(() => {
          current = undefined;
        });
      return current;
    },
    stop() {
      ac.abort();
    },
    watching: () => watched,
  };
}
