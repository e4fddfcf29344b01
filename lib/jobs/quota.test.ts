/**
 * The jobs' quota (docs/jobs.md, "Quota"), on PGlite and Postgres: a job that could never fit its
 * owner's totals is refused when created and when run now; one that does not fit beside what runs
 * now waits queued with its reason instead of failing, and a cron slot does not pile up behind it.
 * Starting once the room is there is in execution.test.ts (it needs the engine).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { findExecution, insertExecution, listExecutions, updateExecution, updateJob } from "@/db/queries/jobs";
import { insertUser } from "@/db/queries/users";
import { users, type LimitOverrides } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { launchExecution } from "./execute";
import { createJob, updateJobOf } from "./manage";
import { runJobNow } from "./run";
import { decideDue } from "./scheduler";
import { createJobSchema } from "./schemas";
import { engineFreeDeps, refusal, resetJobTables } from "./testing";

const ada: Principal = { name: "ada", role: "user", admin: false, via: "session" };

for (const kind of DB_KINDS) {
  describe(`job quota (${kind})`, () => {
    const db = useTestDatabase(kind);
    // Role 'user' allows 2 CPUs and 4 GiB per server and in all (db/seed.ts).
    const limit = (limits: LimitOverrides) => db().update(users).set({ limits }).where(eq(users.name, "ada"));
    const job = (over: Record<string, unknown> = {}) =>
      createJob(
        db(),
        ada,
        createJobSchema.parse({
          name: "train",
          path: "train.py",
          environment: "python",
          cpu: 1,
          memGb: 1,
          timeoutS: 60,
          trigger: { kind: "manual" },
          ...over,
        }),
      );
    /** Something of ada's already running, holding CPU and memory. */
    const holding = async (jobId: string, cpu: number, memGb: number) =>
      insertExecution(db(), {
        id: "jex_holding",
        jobId,
        runKey: "holding",
        cause: "manual",
        scheduledFor: new Date(),
        state: "running",
        cpu,
        memGb,
      });

    beforeEach(async () => {
      await resetJobTables(db());
      await insertUser(db(), { name: "ada", role: "user", roleSource: "default" });
      await bindIds(db(), ada);
    });

    it("refuses a job over the role's totals when it is created or changed, with a sentence", async () => {
      await limit({ maxTotalCpu: 1.5 });
      expect(await refusal(job({ cpu: 2 }))).toEqual({
        status: 403,
        code: "limit_exceeded",
        message: "A job may ask for at most 1.5 CPUs (role 'user'); this one asks for 2.",
      });
      const j = await job({ cpu: 1 });
      expect(await refusal(updateJobOf(db(), ada, j.id, { memGb: 5 }))).toMatchObject({ status: 403, code: "limit_exceeded" });
    });

    it("queues a run-now that does not fit beside what runs, with the reason it waits, and a launch leaves it waiting", async () => {
      const j = await job({ cpu: 1 });
      await holding(j.id, 1.5, 1);
      const queued = await runJobNow(db(), ada, j.id);
      const reason = "waiting for quota: 1.5 CPUs of the 2 role 'user' allows are in use, this job needs 1";
      expect(queued).toMatchObject({ state: "queued", reason });
      // No engine is asked: the launch stops at the quota and the execution keeps waiting.
      const deps = engineFreeDeps(db());
      expect(await launchExecution(deps, queued.id)).toBe(false);
      expect(await findExecution(db(), queued.id)).toMatchObject({ state: "queued", reason, startedAt: null });
      // Memory is the other total.
      await updateExecution(db(), "jex_holding", { cpu: 0.5, memGb: 3.5 });
      expect(await launchExecution(deps, queued.id)).toBe(false);
      expect((await findExecution(db(), queued.id))?.reason).toBe(
        "waiting for quota: 3.5 GiB of the 4 GiB role 'user' allows are in use, this job needs 1 GiB",
      );
    });

    it("refuses a run-now of a job her lowered limits can never hold, and fails one already queued", async () => {
      const j = await job({ cpu: 1 });
      const early = await runJobNow(db(), ada, j.id);
      await limit({ maxCpu: 0.5 });
      expect(await refusal(runJobNow(db(), ada, j.id))).toEqual({
        status: 403,
        code: "limit_exceeded",
        message: "A job may ask for at most 0.5 CPUs (role 'user'); this one asks for 1.",
      });
      expect(await listExecutions(db(), j.id)).toHaveLength(1);
      const deps = engineFreeDeps(db());
      expect(await launchExecution(deps, early.id)).toBe(false);
      expect(await findExecution(db(), early.id)).toMatchObject({
        state: "failed",
        reason: "not started: A job may ask for at most 0.5 CPUs (role 'user'); this one asks for 1",
      });
    });

    it("skips a cron slot while the job's previous execution still waits, and queues the next one after it started", async () => {
      const j = await job({ trigger: { kind: "cron", cron: "* * * * *", timeZone: "UTC" } });
      await updateJob(db(), j.id, { scheduledThrough: new Date("2026-06-01T10:00:00Z") });
      expect(await decideDue(db(), new Date("2026-06-01T10:01:10Z"))).toBe(1);
      expect(await decideDue(db(), new Date("2026-06-01T10:02:10Z"))).toBe(0);
      const [waiting] = await listExecutions(db(), j.id);
      await updateExecution(db(), waiting?.id ?? "", { state: "running" });
      expect(await decideDue(db(), new Date("2026-06-01T10:03:10Z"))).toBe(1);
      expect((await listExecutions(db(), j.id)).map((e) => e.scheduledFor.toISOString())).toEqual([
        "2026-06-01T10:03:00.000Z",
        "2026-06-01T10:01:00.000Z",
      ]);
    });
  });
}
