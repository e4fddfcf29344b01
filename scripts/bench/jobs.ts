/**
 * npm run bench:jobs — the jobs scheduler's overhead (docs/jobs.md):
 * 1. decideDue over BENCH_SCHEDULES (1,000) cron jobs of 100 people, minute after minute for
 *    BENCH_MINUTES (30): the time to decide one minute's work, which queues every due slot.
 *    Target: p95 < 1 s (the loop ticks every 5 s).
 * 2. One execution's start (launchExecution: quota transaction, token, MLflow run, the container)
 *    against a raw `docker run` of the same image and argv through dockerode, BENCH_RUNS (5) each,
 *    until the container is running.
 *
 * BENCH_DB=postgres (default) resets and uses TEST_DATABASE_URL; BENCH_DB=pglite runs in memory.
 */
import Dockerode from "dockerode";
import { eq } from "drizzle-orm";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { insertJob, listExecutionsIn, updateExecution } from "../../db/queries/jobs";
import { withNewIdentity } from "../../db/queries/users";
import { jobExecutions, jobs, users } from "../../db/schema";
import { openTestDatabase } from "../../db/testing";
import { LocalArtifactStore } from "../../lib/artifacts/local-store";
import { launchExecution, finishExecution, queueExecution } from "../../lib/jobs/execute";
import { decideDue } from "../../lib/jobs/scheduler";
import { DockerSpawner } from "../../lib/spawner";
import { SEEDED_IMAGE } from "../../lib/spawner/testing";

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 1000);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KIND = process.env.BENCH_DB === "pglite" ? "pglite" : "postgres";
const CRONS = ["* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 6 * * 1-5", "0 3 * * *", "*/2 9-17 * * *"];
const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function waitRunning(docker: Dockerode, name: string): Promise<void> {
  for (;;) {
    const info = await docker
      .getContainer(name)
      .inspect()
      .catch(() => undefined);
    if (info?.State.Running || (info && info.State.Status === "exited")) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  console.log(`bench:jobs — ${SCHEDULES} schedules, ${MINUTES} minutes, ${RUNS} starts each way, database ${KIND}`);
  const handle = await openTestDatabase(KIND);
  const db = handle.db;
  const artifacts = await mkdtemp(join(tmpdir(), "atrium-bench-jobs-"));
  try {
    const people = Array.from({ length: 100 }, (_, i) =>
      withNewIdentity({ name: `bench-${i}`, role: "power", roleSource: "admin" as const }),
    );
    await db.insert(users).values(people);
    const start = new Date("2026-06-01T00:00:00Z");
    for (let i = 0; i < SCHEDULES; i++) {
      await insertJob(db, {
        id: `job_bench${i}`,
        ownerName: `bench-${i % 100}`,
        ownerId: people[i % 100]?.id ?? "",
        name: `job-${i}`,
        path: "jobs/x.py",
        environmentId: "python",
        cpu: 0.25,
        memGb: 0.25,
        timeoutS: 600,
        trigger: "cron",
        cron: CRONS[i % CRONS.length] ?? "* * * * *",
        timeZone: ZONES[i % ZONES.length] ?? "UTC",
        scheduledThrough: start,
      });
    }
    const memo = new Map<string, number>(); // as the leader's scheduler keeps it between ticks
    const times: number[] = [];
    let queued = 0;
    for (let m = 1; m <= MINUTES; m++) {
      const now = new Date(start.getTime() + m * 60_000 + 500);
      const t0 = performance.now();
      queued += await decideDue(db, now, memo);
      times.push(performance.now() - t0);
      // As if they ran (outside the timing): a job whose execution still waits gets no new slot (docs/jobs.md, "Quota").
      await db.update(jobExecutions).set({ state: "succeeded" }).where(eq(jobExecutions.state, "queued"));
    }
    console.log(
      `decide a minute: p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, max ${ms(Math.max(...times))}; ${queued} executions queued in ${MINUTES} minutes`,
    );
    const idle: number[] = [];
    for (let k = 0; k < 10; k++) {
      const t0 = performance.now();
      await decideDue(db, new Date(start.getTime() + MINUTES * 60_000 + 500), memo);
      idle.push(performance.now() - t0);
    }
    console.log(`a tick with nothing new due: p50 ${ms(pct(idle, 50))}`);
    await db.delete(jobExecutions);
    await db.delete(jobs);

    // 2. an execution's start vs a raw docker run
    const docker = new Dockerode();
    const spawner = new DockerSpawner();
    const deps = { db, spawner, store: new LocalArtifactStore(artifacts), spoolDir: `${artifacts}-spool` };
    const owner = people[0];
    if (!owner) throw new Error("no people");
    const job = await insertJob(db, {
      id: "job_benchstart",
      ownerName: owner.name,
      ownerId: owner.id,
      name: "start",
      path: "jobs/sleep.py",
      environmentId: "python",
      cpu: 0.5,
      memGb: 0.5,
      timeoutS: 600,
      trigger: "manual",
    });
    const viaAtrium: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const exec = await queueExecution(db, job, { runKey: `bench-${r}`, cause: "manual", scheduledFor: new Date() });
      if (!exec) throw new Error("not queued");
      const t0 = performance.now();
      await launchExecution(deps, exec.id);
      await waitRunning(docker, `atrium-job-${exec.id.replace("_", "-")}`);
      viaAtrium.push(performance.now() - t0);
      await finishExecution(deps, exec.id, { state: "cancelled", reason: "bench" });

      const name = `atrium-bench-raw-${r}-${Date.now().toString(36)}`;
      const t1 = performance.now();
      const c = await docker.createContainer({
        name,
        Image: SEEDED_IMAGE,
        Entrypoint: ["python3"],
        Cmd: ["jobs/sleep.py"],
        Labels: { "atrium.purpose": "bench-jobs" },
        HostConfig: { Memory: 512 * 1024 ** 2, NanoCpus: 5e8, Init: true },
      });
      await c.start();
      await waitRunning(docker, name);
      raw.push(performance.now() - t1);
      await c.remove({ force: true });
    }
    console.log(`start an execution (until its container runs): p50 ${ms(pct(viaAtrium, 50))}, max ${ms(Math.max(...viaAtrium))}`);
    console.log(`raw docker create + start: p50 ${ms(pct(raw, 50))}, max ${ms(Math.max(...raw))}`);
    for (const e of await listExecutionsIn(db, ["running", "queued"])) await updateExecution(db, e.id, { state: "cancelled" });
    await docker
      .getVolume(owner.homeVolume)
      .remove({ force: true })
      .catch(() => undefined);
  } finally {
    await handle.close();
    await rm(artifacts, { recursive: true, force: true });
  }
}

await main();
