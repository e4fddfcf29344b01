import { withNewIdentity } from "@/db/queries/users";
import { beforeEach, describe, expect, it } from "vitest";
import { upsertServer } from "@/db/queries/servers";
import { auditEvents, servers, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Db } from "@/db/client";
import { adminUsersQuerySchema } from "./schemas";
import { listAdminUsers } from "./users-table";
import { serverRowFixture } from "@/db/server-fixture";

const query = (q: Record<string, unknown> = {}) => adminUsersQuerySchema.parse(q);

async function server(
  db: Db,
  user: string,
  name: string,
  status: "pending" | "running" | "stopping" | "stopped" | "failed",
  cpu: number,
  memGb: number,
) {
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
    beforeEach(async () => {
      await db().delete(servers);
      await db().delete(auditEvents);
      await db().delete(users);
      await db()
        .insert(users)
        .values(
          (
            [
              { name: "ann", role: "power", roleSource: "oidc", email: "ann@corp.com", lastSeenAt: new Date("2026-01-02T00:00:00Z") },
              {
                name: "bob",
                role: "user",
                roleSource: "admin",
                limits: { maxTotalCpu: 3, maxServers: 2 },
                lastSeenAt: new Date("2026-01-03T00:00:00Z"),
              },
              { name: "cy", role: "user", roleSource: "default", displayName: "Cy Ann" },
              { name: "dee", role: "admin", roleSource: "config", lastSeenAt: new Date("2026-01-01T00:00:00Z") },
            ] as const
          ).map(withNewIdentity),
        );
      await server(db(), "ann", "default", "running", 2, 8);
      await server(db(), "ann", "big", "pending", 4, 16);
      await server(db(), "ann", "old", "stopped", 8, 32);
      await server(db(), "bob", "default", "stopping", 1, 2);
      await server(db(), "cy", "default", "failed", 1, 1);
    });

    it("sums only active servers per person and applies overrides to the role's limits", async () => {
      const page = await listAdminUsers(db(), query());
      expect(page.total).toBe(4);
      expect(page.items.map((u) => [u.name, u.running])).toEqual([
        ["ann", { servers: 2, cpu: 6, memGb: 24 }],
        ["bob", { servers: 1, cpu: 1, memGb: 2 }],
        ["cy", { servers: 0, cpu: 0, memGb: 0 }],
        ["dee", { servers: 0, cpu: 0, memGb: 0 }],
      ]);
      const bob = page.items[1];
      expect(bob).toMatchObject({ role: "user", roleSource: "admin", overrides: { maxTotalCpu: 3, maxServers: 2 } });
      expect(bob?.limits).toStrictEqual({
        maxCpu: 2,
        maxMemGb: 4,
        maxServers: 2,
        maxTotalCpu: 3,
        maxTotalMemGb: 4,
        maxStorageGb: 10,
        maxPids: 1024,
      });
      expect(page.items[0]?.limits).toStrictEqual({
        maxCpu: 8,
        maxMemGb: 32,
        maxServers: 3,
        maxTotalCpu: 16,
        maxTotalMemGb: 64,
        maxStorageGb: 50,
        maxPids: 1024,
      });
      expect(page.items[0]?.lastSeenAt).toBe("2026-01-02T00:00:00.000Z");
      expect(page.items[2]?.lastSeenAt).toBeNull();
    });

    it("sorts by held CPU, by last seen (never seen last) and by role, with the name breaking ties", async () => {
      const names = async (q: Record<string, unknown>) => (await listAdminUsers(db(), query(q))).items.map((u) => u.name);
      expect(await names({ sort: "cpu", dir: "desc" })).toEqual(["ann", "bob", "cy", "dee"]);
      expect(await names({ sort: "lastSeen", dir: "desc" })).toEqual(["bob", "ann", "dee", "cy"]);
      expect(await names({ sort: "lastSeen", dir: "asc" })).toEqual(["cy", "dee", "ann", "bob"]);
      expect(await names({ sort: "role" })).toEqual(["dee", "ann", "bob", "cy"]);
      expect(await names({ sort: "servers", dir: "desc" })).toEqual(["ann", "bob", "cy", "dee"]);
    });

    it("searches name, display name and email, filters by role and pages with the full count", async () => {
      const ann = await listAdminUsers(db(), query({ q: "ann" }));
      expect(ann.items.map((u) => u.name)).toEqual(["ann", "cy"]);
      expect(ann.total).toBe(2);
      const users = await listAdminUsers(db(), query({ role: "user" }));
      expect(users.items.map((u) => u.name)).toEqual(["bob", "cy"]);
      const second = await listAdminUsers(db(), query({ limit: 2, offset: 2 }));
      expect(second).toMatchObject({ total: 4 });
      expect(second.items.map((u) => u.name)).toEqual(["cy", "dee"]);
      const past = await listAdminUsers(db(), query({ limit: 2, offset: 10 }));
      expect(past).toEqual({ total: 4, items: [] });
      expect((await listAdminUsers(db(), query({ q: "100%_" }))).total).toBe(0);
    });

    it("refuses unknown sort keys in the query schema", () => {
      expect(adminUsersQuerySchema.safeParse({ sort: "password" }).success).toBe(false);
      expect(adminUsersQuerySchema.safeParse({ limit: "501" }).success).toBe(false);
    });
  });
}
