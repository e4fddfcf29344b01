/**
 * The holdings ledger on both databases: what a person holds now is her active servers and her running
 * job executions, by her id; the usage sampler, "my usage" and the start-time quota check all read it,
 * so a running job counts in the usage charts and against a start.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { insertExecution, insertJob } from "@/db/queries/jobs";
import { upsertServer } from "@/db/queries/servers";
import { insertUser, updateUser, type UserRow } from "@/db/queries/users";
import { jobExecutions, jobs, servers, usageSamples, users } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { DockerSpawner } from "@/lib/spawner";
import { myUsageReport } from "@/lib/usage/report";
import { recordUsageSample } from "@/lib/usage/sample";
import { describeMe } from "@/lib/users/me";
import { startServer } from "@/lib/workspaces/start";
import { heldBy, listHoldings } from "./holdings";

// The real engine: the refused start below asks it only whether it answers; the sample's stats readings
// find no container for these rows, so "used" is 0.
const spawner = new DockerSpawner();
const NOW = new Date("2026-06-01T10:00:30Z");

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    let ada: UserRow;
    let bob: UserRow;
    const adaPrincipal = (): Principal => ({ name: ada.name, userId: ada.id, role: ada.role, admin: false, via: "session" });

    beforeEach(async () => {
      for (const table of [usageSamples, jobExecutions, jobs, servers, users]) await db().delete(table);
      const person = async (name: string) => {
        const row = await insertUser(db(), { name, role: "user", roleSource: "default" });
        if (!row) throw new Error(`could not insert ${name}`);
        return row;
      };
      ada = await person("ada");
      bob = await person("bob");
      await updateUser(db(), "ada", { limits: { maxServers: 3, maxTotalCpu: 3, maxTotalMemGb: 8 } });
      await upsertServer(db(), await serverRowFixture(db(), "ada", "default", { cpu: 1, memGb: 2, status: "running" }));
      await upsertServer(db(), await serverRowFixture(db(), "ada", "old", { cpu: 2, memGb: 2, status: "stopped" }));
      const job = await insertJob(db(), {
        id: "job_n",
        ownerName: "ada",
        ownerId: ada.id,
        name: "nightly",
        path: "n.py",
        environmentId: "python",
        cpu: 1.5,
        memGb: 1,
        timeoutS: 60,
        trigger: "manual",
      });
      const execution = { jobId: job.id, cause: "manual" as const, scheduledFor: NOW, cpu: 1.5, memGb: 1 };
      await insertExecution(db(), { ...execution, id: "jex_run", runKey: "k1", state: "running" });
      await insertExecution(db(), { ...execution, id: "jex_wait", runKey: "k2", state: "queued" });
      await insertExecution(db(), { ...execution, id: "jex_done", runKey: "k3", state: "succeeded" });
    });

    it("holds active servers and running executions by owner id, not stopped servers or queued and finished executions", async () => {
      expect(await heldBy(db(), ada.id)).toEqual({ cpu: 2.5, memGb: 3, servers: 1, jobs: 1 });
      expect(await heldBy(db(), bob.id)).toEqual({ cpu: 0, memGb: 0, servers: 0, jobs: 0 });
      const rows = (await listHoldings(db())).map((h) => [h.kind, h.ownerId, h.ownerName, h.name, h.cpu, h.running]);
      expect(rows.sort()).toEqual([
        ["job", ada.id, "ada", "nightly", 1.5, true],
        ["server", ada.id, "ada", "default", 1, true],
      ]);
    });

    it("counts a running job execution in the usage sample and in my usage", async () => {
      await recordUsageSample(db(), spawner, { now: NOW });
      const samples = await db().select().from(usageSamples);
      const of = (scope: string, subject: string) => samples.find((s) => s.scope === scope && s.subject === subject);
      expect(of("user", ada.id)).toMatchObject({ cpuAllocated: 2.5, memGbAllocated: 3, servers: 1 });
      expect(of("role", "user")).toMatchObject({ cpuAllocated: 2.5, memGbAllocated: 3, servers: 1 });
      expect(of("total", "all")).toMatchObject({ cpuAllocated: 2.5, memGbAllocated: 3, servers: 1 });
      expect(of("user", bob.id)).toBeUndefined();
      const report = await myUsageReport(db(), ada.id, (await describeMe(db(), adaPrincipal())).limits, "1h", NOW);
      expect(report.rows.some((r) => r.cpuAllocated === 2.5 && r.memGbAllocated === 3)).toBe(true);
      expect((await describeMe(db(), adaPrincipal())).usage).toMatchObject({ cpu: 2.5, memGb: 3, servers: 1 });
    });

    it("refuses a start that fits beside her servers but not beside her running job too", async () => {
      // 1 CPU of servers + 1.5 of the running job + 1 asked = 3.5 > 3; without the job it would fit.
      const start = startServer(db(), spawner, adaPrincipal(), "ada", "second", { environment: "python", cpu: 1, memGb: 1 });
      await expect(start).rejects.toMatchObject({ status: 403, code: "quota_exceeded" });
      await expect(start).rejects.toThrow("Your servers already use 2.5 CPUs");
      expect(await heldBy(db(), ada.id)).toEqual({ cpu: 2.5, memGb: 3, servers: 1, jobs: 1 });
    });
  });
}
