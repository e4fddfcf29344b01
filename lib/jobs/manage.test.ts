import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { findJob, insertExecution, updateExecution } from "@/db/queries/jobs";
import { findExperimentByName } from "@/db/queries/tracking";
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents, experiments as experimentsTable, jobExecutions, jobs, runs } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { heldBy } from "@/lib/quota/holdings";
import { createExperiment } from "@/lib/tracking/experiments/operations";
import { experiments } from "@/lib/tracking/http/schemas";
import { openRun, ownerPrincipal } from "./tracking-run";
import { createJob, deleteJobOf, getJob, listJobsFor, updateJobOf } from "./manage";
import { createJobSchema, type CreateJobRequest } from "./schemas";
import { engineFreeDeps, refusal, resetJobTables } from "./testing";

const ada: Principal = { name: "ada", role: "user", admin: false, via: "session" };
const bob: Principal = { name: "bob", role: "user", admin: false, via: "session" };
const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };

const ask = (over: Partial<Record<keyof CreateJobRequest, unknown>> = {}): CreateJobRequest =>
  createJobSchema.parse({
    name: "nightly",
    path: "jobs/train.py",
    environment: "python",
    cpu: 0.5,
    memGb: 0.5,
    timeoutS: 600,
    trigger: { kind: "cron", cron: "0 3 * * *", timeZone: "Europe/Berlin" },
    ...over,
  });

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await resetJobTables(db());
      for (const name of ["ada", "bob"]) await insertUser(db(), { name, role: "user", roleSource: "default" });
      await insertUser(db(), { name: "root", role: "admin", roleSource: "default" });
      await bindIds(db(), ada, bob, root);
    });
    const idOf = async (name: string) => (await findUser(db(), name))?.id ?? "";

    it("creates a cron job, shows its next run, and audits it", async () => {
      const job = await createJob(db(), ada, ask());
      expect(job).toMatchObject({
        owner: "ada",
        name: "nightly",
        kind: "script",
        trigger: { kind: "cron", cron: "0 3 * * *", timeZone: "Europe/Berlin" },
        paused: false,
        lastExecution: null,
      });
      expect(job.nextRun).toMatch(/T0[12]:00:00\.000Z$/); // 03:00 Berlin is 01:00 or 02:00 UTC
      const audit = await db().select().from(auditEvents);
      expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([["ada", "job.create", "ada/nightly"]]);
    });

    it("refuses a bad cron, a path outside the home, an ask over the role's limits and a taken name", async () => {
      expect(await refusal(createJob(db(), ada, ask({ trigger: { kind: "cron", cron: "0 25 * * *", timeZone: "UTC" } })))).toMatchObject({
        status: 400,
        code: "invalid_cron",
        message: 'The cron expression "0 25 * * *" is not valid: Invalid value for hour: 25.',
      });
      expect(await refusal(createJob(db(), ada, ask({ path: "../bob/steal.py" })))).toMatchObject({ status: 400, code: "invalid_path" });
      expect(await refusal(createJob(db(), ada, ask({ path: "/etc/passwd.py" })))).toMatchObject({ status: 400, code: "invalid_path" });
      expect(await refusal(createJob(db(), ada, ask({ cpu: 64 })))).toMatchObject({ status: 403, code: "limit_exceeded" });
      expect(await refusal(createJob(db(), ada, ask({ environment: "nope" })))).toMatchObject({ status: 400, code: "unknown_environment" });
      await createJob(db(), ada, ask());
      expect(await refusal(createJob(db(), ada, ask()))).toMatchObject({ status: 409, code: "job_exists" });
      expect(await db().select().from(jobs)).toHaveLength(1);
    });

    it("keeps another person's jobs out of reach (404), and lets an admin see and change them", async () => {
      const job = await createJob(db(), ada, ask());
      expect(await refusal(getJob(db(), bob, job.id))).toMatchObject({ status: 404, code: "job_not_found" });
      expect(await refusal(updateJobOf(db(), bob, job.id, { paused: true }))).toMatchObject({ status: 404 });
      expect(await refusal(deleteJobOf(engineFreeDeps(db()), bob, job.id))).toMatchObject({ status: 404 });
      // bob cannot make his job follow ada's.
      expect(await refusal(createJob(db(), bob, ask({ name: "b", trigger: { kind: "after", jobId: job.id } })))).toMatchObject({
        status: 400,
        code: "invalid_trigger",
      });
      expect((await listJobsFor(db(), bob)).length).toBe(0);
      expect((await listJobsFor(db(), root, true)).map((j) => j.owner)).toEqual(["ada"]);
      expect((await updateJobOf(db(), root, job.id, { paused: true })).paused).toBe(true);
      const actions = (await db().select().from(auditEvents)).map((a) => `${a.actor}:${a.action}`);
      expect(actions).toContain("root:job.pause");
    });

    it("a job's experiment is its owner's: one someone else made first under its name is refused at create, rename and run", async () => {
      // Anyone may create an experiment of any name: bob makes ada's job's experiment before the job exists.
      const asBob = { db: db(), principal: bob };
      await createExperiment(asBob, experiments.create.parse({ name: "jobs/ada/nightly" }));
      expect(await refusal(createJob(db(), ada, ask()))).toMatchObject({
        status: 409,
        code: "experiment_taken",
        message: 'The experiment "jobs/ada/nightly" belongs to someone else; choose another name for the job.',
      });
      expect(await db().select().from(jobs)).toHaveLength(0);
      // Under another name the job claims its experiment when it is made: hers.
      const job = await createJob(db(), ada, ask({ name: "etl" }));
      expect(await findExperimentByName(db(), "jobs/ada/etl")).toMatchObject({ ownerId: await idOf("ada"), projectId: null });
      expect(await refusal(updateJobOf(db(), ada, job.id, { name: "nightly" }))).toMatchObject({ status: 409, code: "experiment_taken" });
      // Hers deleted for good, bob makes one under its name: the execution does not open its run there.
      await db().delete(experimentsTable).where(eq(experimentsTable.name, "jobs/ada/etl"));
      await createExperiment(asBob, experiments.create.parse({ name: "jobs/ada/etl" }));
      const row = await findJob(db(), job.id);
      const owner = await findUser(db(), "ada");
      if (!row || !owner) throw new Error("job or owner missing");
      await expect(openRun(db(), await ownerPrincipal(db(), owner), row, { id: "jex_x", attempt: 1 }, undefined)).rejects.toThrow(
        'the experiment "jobs/ada/etl" exists and its owner has not given this job\'s owner the right to write to it',
      );
      expect(await db().select().from(runs)).toHaveLength(0);
    });

    it("lets a job follow another of the same owner, never itself", async () => {
      const first = await createJob(db(), ada, ask());
      const second = await createJob(db(), ada, ask({ name: "report", trigger: { kind: "after", jobId: first.id } }));
      expect(second.trigger).toEqual({ kind: "after", jobId: first.id });
      expect(second.nextRun).toBeNull();
      expect(await refusal(updateJobOf(db(), ada, second.id, { trigger: { kind: "after", jobId: second.id } }))).toMatchObject({
        code: "invalid_trigger",
      });
    });

    it("inserts one execution per run key: the second insert of a slot is skipped", async () => {
      const job = await createJob(db(), ada, ask());
      const row = (n: string) => ({
        id: `jex_${n}`,
        jobId: job.id,
        runKey: `${job.id}@2026-06-01T03:00:00.000Z`,
        cause: "cron" as const,
        scheduledFor: new Date("2026-06-01T03:00:00Z"),
        state: "queued" as const,
        cpu: 0.5,
        memGb: 0.5,
      });
      const [a, b] = await Promise.all([insertExecution(db(), row("a")), insertExecution(db(), row("b"))]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await db().select().from(jobExecutions)).toHaveLength(1);
    });

    it("counts a running execution's CPU and memory against the owner's totals, not a queued or finished one", async () => {
      const job = await createJob(db(), ada, ask());
      const base = { jobId: job.id, cause: "manual" as const, scheduledFor: new Date(), cpu: 0.5, memGb: 0.25 };
      await insertExecution(db(), { ...base, id: "jex_1", runKey: "k1", state: "running" });
      await insertExecution(db(), { ...base, id: "jex_2", runKey: "k2", state: "queued" });
      await insertExecution(db(), { ...base, id: "jex_3", runKey: "k3", state: "succeeded" });
      expect(await heldBy(db(), await idOf("ada"))).toEqual({ cpu: 0.5, memGb: 0.25, servers: 0, jobs: 1 });
      expect(await heldBy(db(), await idOf("bob"))).toEqual({ cpu: 0, memGb: 0, servers: 0, jobs: 0 });
      // A finish that lost the race to a cancel changes nothing.
      expect(await updateExecution(db(), "jex_1", { state: "cancelled" }, ["running"])).toBeDefined();
      expect(await updateExecution(db(), "jex_1", { state: "succeeded" }, ["running"])).toBeUndefined();
      expect(await heldBy(db(), await idOf("ada"))).toEqual({ cpu: 0, memGb: 0, servers: 0, jobs: 0 });
    });
  });
}
