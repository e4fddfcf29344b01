import { withNewIdentity } from "@/db/queries/users";
import { and, asc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { upsertServer } from "@/db/queries/servers";
import { auditEvents, servers, usageSamples, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { DockerSpawner } from "@/lib/spawner";
import { myRecentUsage, myUsageReport } from "./report";
import { recordUsageSample } from "./sample";
import { serverRowFixture } from "@/db/server-fixture";

// The real spawner: these rows have no containers, so every stats reading fails and "used" is 0.
const spawner = new DockerSpawner();

async function server(db: Db, user: string, name: string, status: "running" | "pending" | "stopped", cpu: number, memGb: number) {
  await upsertServer(
    db,
    await serverRowFixture(db, user, name, {
      cpu,
      memGb,
      status,
      phase: null,
      progress: 0,
      message: null,
      startedAt: null,
      lastActivity: null,
    }),
  );
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    /** People's ids by name: per-person samples are keyed by id. */
    const idOf = new Map<string, string>();
    beforeEach(async () => {
      await db().delete(usageSamples);
      await db().delete(servers);
      await db().delete(auditEvents);
      await db().delete(users);
      await db()
        .insert(users)
        .values(
          (
            [
              { name: "ann", role: "power", roleSource: "oidc" },
              { name: "bob", role: "user", roleSource: "oidc" },
              { name: "cy", role: "user", roleSource: "oidc" },
            ] as const
          ).map(withNewIdentity),
        );
      for (const u of await db().select({ name: users.name, id: users.id }).from(users)) idOf.set(u.name, u.id);
      await server(db(), "ann", "default", "running", 2, 8);
      await server(db(), "ann", "gpu", "pending", 4, 16);
      await server(db(), "bob", "default", "running", 1, 2);
      await server(db(), "cy", "default", "stopped", 2, 4);
    });

    const rows = (scope: "user" | "role" | "total") =>
      db()
        .select({
          subject: usageSamples.subject,
          cpu: usageSamples.cpuAllocated,
          mem: usageSamples.memGbAllocated,
          used: usageSamples.cpuUsed,
          servers: usageSamples.servers,
        })
        .from(usageSamples)
        .where(eq(usageSamples.scope, scope))
        .orderBy(asc(usageSamples.subject));

    it("stores allocation per person, per role (zeros included) and in total, on the whole minute", async () => {
      const out = await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T10:00:42Z") });
      expect(out).toEqual({ rows: 6, deleted: 0 });
      const byId = await rows("user");
      expect(byId).toHaveLength(2);
      expect(byId.find((r) => r.subject === idOf.get("ann"))).toEqual({ subject: idOf.get("ann"), cpu: 6, mem: 24, used: 0, servers: 2 });
      expect(byId.find((r) => r.subject === idOf.get("bob"))).toEqual({ subject: idOf.get("bob"), cpu: 1, mem: 2, used: 0, servers: 1 });
      expect(await rows("role")).toEqual([
        { subject: "admin", cpu: 0, mem: 0, used: 0, servers: 0 },
        { subject: "power", cpu: 6, mem: 24, used: 0, servers: 2 },
        { subject: "user", cpu: 1, mem: 2, used: 0, servers: 1 },
      ]);
      expect(await rows("total")).toEqual([{ subject: "all", cpu: 7, mem: 26, used: 0, servers: 3 }]);
      const [stamp] = await db()
        .select({ at: usageSamples.at })
        .from(usageSamples)
        .where(and(eq(usageSamples.scope, "total")));
      expect(stamp?.at.toISOString()).toBe("2026-05-01T10:00:00.000Z");
    });

    it("keeps one sample per minute and deletes what is older than the retention window", async () => {
      await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T10:00:00Z") });
      await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T10:00:30Z") });
      expect(await rows("total")).toHaveLength(1);
      const later = await recordUsageSample(db(), spawner, { now: new Date("2026-05-15T09:59:30Z"), retentionDays: 14 });
      expect(later.deleted).toBe(0);
      const after = await recordUsageSample(db(), spawner, { now: new Date("2026-05-15T10:00:30Z"), retentionDays: 14 });
      expect(after.deleted).toBe(6);
      const left = await db()
        .select({ at: usageSamples.at })
        .from(usageSamples)
        .where(eq(usageSamples.scope, "total"))
        .orderBy(asc(usageSamples.at));
      expect(left.map((r) => r.at.toISOString())).toEqual(["2026-05-15T09:59:00.000Z", "2026-05-15T10:00:00.000Z"]);
    });

    it("gives a person their own series with zeros where nothing ran", async () => {
      await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T09:30:00Z") });
      const limits = { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxTotalCpu: 16, maxTotalMemGb: 64, maxStorageGb: 50, maxPids: 1024 };
      const report = await myUsageReport(db(), idOf.get("ann"), limits, "1h", new Date("2026-05-01T10:00:00Z"));
      expect(report.rows).toHaveLength(60);
      const ran = report.rows.filter((r) => (r.cpuAllocated ?? 0) > 0);
      expect(ran).toEqual([{ t: Date.parse("2026-05-01T09:30:00Z"), cpuAllocated: 6, cpuUsed: 0, memGbAllocated: 24, memGbUsed: 0 }]);
      expect(report.rows[0]).toEqual({
        t: Date.parse("2026-05-01T09:01:00Z"),
        cpuAllocated: 0,
        cpuUsed: 0,
        memGbAllocated: 0,
        memGbUsed: 0,
      });
    });

    it("draws the newest, still filling bucket up to now, and shows a fresh start minute by minute", async () => {
      const limits = { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxTotalCpu: 16, maxTotalMemGb: 64, maxStorageGb: 50, maxPids: 1024 };
      const now = new Date("2026-05-01T10:07:30Z");
      await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T10:05:00Z") });
      const day = await myUsageReport(db(), idOf.get("ann"), limits, "24h", now);
      // 10-minute buckets: the 10:00 one holds the sample, and a closing row at now gives it its width.
      expect(day.rows.at(-2)).toMatchObject({ t: Date.parse("2026-05-01T10:00:00Z"), cpuAllocated: 6 });
      expect(day.rows.at(-1)).toMatchObject({ t: now.getTime(), cpuAllocated: 6 });
      const recent = await myRecentUsage(db(), idOf.get("ann"), limits, now);
      expect(recent.range).toBe("1h");
      expect(recent.rows.filter((r) => (r.cpuAllocated ?? 0) > 0).map((r) => r.t)).toEqual([Date.parse("2026-05-01T10:05:00Z")]);
      await recordUsageSample(db(), spawner, { now: new Date("2026-05-01T07:00:00Z") });
      expect((await myRecentUsage(db(), idOf.get("ann"), limits, now)).range).toBe("24h");
      expect((await myRecentUsage(db(), idOf.get("cy"), limits, now)).range).toBe("24h");
    });
  });
}
