import { beforeEach, describe, expect, it } from "vitest";
import { asc, notInArray } from "drizzle-orm";
import { findRole } from "@/db/queries/roles";
import { auditEvents, roles, users } from "@/db/schema";
import { seedRoles } from "@/db/seed";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { getRoles, putRole } from "./manage";

const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
      await db()
        .delete(roles)
        .where(
          notInArray(
            roles.name,
            seedRoles.map((r) => r.name),
          ),
        );
      for (const r of seedRoles) {
        const { name: _name, ...limits } = r;
        await db().insert(roles).values(r).onConflictDoUpdate({ target: roles.name, set: limits });
      }
    });

    const audit = () =>
      db()
        .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target, detail: auditEvents.detail })
        .from(auditEvents)
        .orderBy(asc(auditEvents.id));

    it("lists the seeded roles by per-server CPU", async () => {
      expect(await getRoles(db())).toEqual([
        {
          name: "user",
          maxCpu: 2,
          maxMemGb: 4,
          maxServers: 1,
          maxTotalCpu: 2,
          maxTotalMemGb: 4,
          maxStorageGb: 10,
          maxPids: 1024,
          maxEndpoints: 2,
          maxServingCpu: 2,
          maxServingMemGb: 4,
        },
        {
          name: "power",
          maxCpu: 8,
          maxMemGb: 32,
          maxServers: 3,
          maxTotalCpu: 16,
          maxTotalMemGb: 64,
          maxStorageGb: 50,
          maxPids: 1024,
          maxEndpoints: 5,
          maxServingCpu: 8,
          maxServingMemGb: 32,
        },
        {
          name: "admin",
          maxCpu: 16,
          maxMemGb: 64,
          maxServers: 5,
          maxTotalCpu: 32,
          maxTotalMemGb: 128,
          maxStorageGb: 200,
          maxPids: 1024,
          maxEndpoints: 10,
          maxServingCpu: 16,
          maxServingMemGb: 64,
        },
      ]);
    });

    it("creates a role with totals defaulting to per-server × servers", async () => {
      const r = await putRole(db(), root, "gpu", { maxCpu: 4, maxMemGb: 16, maxServers: 2 });
      expect(r).toEqual({
        created: true,
        role: {
          name: "gpu",
          maxCpu: 4,
          maxMemGb: 16,
          maxServers: 2,
          maxTotalCpu: 8,
          maxTotalMemGb: 32,
          maxStorageGb: 10,
          maxPids: 1024,
          maxEndpoints: 2,
          maxServingCpu: 2,
          maxServingMemGb: 4,
        },
      });
      const stored = await findRole(db(), "gpu");
      // A new role without a storage quota gets the seeded user role's 10 GiB.
      expect(stored).toMatchObject({
        name: "gpu",
        maxCpu: 4,
        maxMemGb: 16,
        maxServers: 2,
        maxTotalCpu: 8,
        maxTotalMemGb: 32,
        maxStorageGb: 10,
      });
    });

    it("keeps fractional per-server limits exact in the totals", async () => {
      const r = await putRole(db(), root, "tiny", { maxCpu: 0.5, maxMemGb: 1.5, maxServers: 3 });
      expect(r.role).toEqual({
        name: "tiny",
        maxCpu: 0.5,
        maxMemGb: 1.5,
        maxServers: 3,
        maxTotalCpu: 1.5,
        maxTotalMemGb: 4.5,
        maxStorageGb: 10,
        maxPids: 1024,
        maxEndpoints: 2,
        maxServingCpu: 2,
        maxServingMemGb: 4,
      });
    });

    it("uses one server for the totals of a role allowed no servers", async () => {
      const r = await putRole(db(), root, "none", { maxCpu: 2, maxMemGb: 4, maxServers: 0 });
      expect(r.role).toEqual({
        name: "none",
        maxCpu: 2,
        maxMemGb: 4,
        maxServers: 0,
        maxTotalCpu: 2,
        maxTotalMemGb: 4,
        maxStorageGb: 10,
        maxPids: 1024,
        maxEndpoints: 2,
        maxServingCpu: 2,
        maxServingMemGb: 4,
      });
    });

    it("takes explicit totals as given", async () => {
      const r = await putRole(db(), root, "gpu", { maxCpu: 4, maxMemGb: 16, maxServers: 2, maxTotalCpu: 6, maxTotalMemGb: 20 });
      expect(r.role).toEqual({
        name: "gpu",
        maxCpu: 4,
        maxMemGb: 16,
        maxServers: 2,
        maxTotalCpu: 6,
        maxTotalMemGb: 20,
        maxStorageGb: 10,
        maxPids: 1024,
        maxEndpoints: 2,
        maxServingCpu: 2,
        maxServingMemGb: 4,
      });
      const onlyCpu = await putRole(db(), root, "gpu", { maxCpu: 4, maxMemGb: 16, maxServers: 2, maxTotalCpu: 5 });
      expect(onlyCpu.role).toEqual({
        name: "gpu",
        maxCpu: 4,
        maxMemGb: 16,
        maxServers: 2,
        maxTotalCpu: 5,
        maxTotalMemGb: 32,
        maxStorageGb: 10,
        maxPids: 1024,
        maxEndpoints: 2,
        maxServingCpu: 2,
        maxServingMemGb: 4,
      });
    });

    it("updates an existing role and bumps its updatedAt", async () => {
      const before = await findRole(db(), "power");
      await sleep(5);
      const r = await putRole(db(), root, "power", { maxCpu: 10, maxMemGb: 40, maxServers: 2 });
      expect(r).toEqual({
        created: false,
        role: {
          name: "power",
          maxCpu: 10,
          maxMemGb: 40,
          maxServers: 2,
          maxTotalCpu: 20,
          maxTotalMemGb: 80,
          maxStorageGb: 50,
          maxPids: 1024,
          maxEndpoints: 5,
          maxServingCpu: 8,
          maxServingMemGb: 32,
        },
      });
      const after = await findRole(db(), "power");
      expect(after).toMatchObject({ maxCpu: 10, maxMemGb: 40, maxServers: 2, maxTotalCpu: 20, maxTotalMemGb: 80 });
      expect(after!.updatedAt.getTime()).toBeGreaterThan(before!.updatedAt.getTime());
      expect((await getRoles(db())).map((x) => x.name)).toEqual(["user", "power", "admin"]);
    });

    it("records creation and change with before and after", async () => {
      await putRole(db(), root, "gpu", { maxCpu: 4, maxMemGb: 16, maxServers: 2 });
      await putRole(db(), { ...root, name: "other-admin" }, "gpu", { maxCpu: 6, maxMemGb: 16, maxServers: 1 });
      expect(await audit()).toEqual([
        {
          actor: "root",
          action: "role.update",
          target: "gpu",
          detail: {
            before: null,
            after: {
              name: "gpu",
              maxCpu: 4,
              maxMemGb: 16,
              maxServers: 2,
              maxTotalCpu: 8,
              maxTotalMemGb: 32,
              maxStorageGb: 10,
              maxPids: 1024,
              maxEndpoints: 2,
              maxServingCpu: 2,
              maxServingMemGb: 4,
            },
          },
        },
        {
          actor: "other-admin",
          action: "role.update",
          target: "gpu",
          detail: {
            before: {
              name: "gpu",
              maxCpu: 4,
              maxMemGb: 16,
              maxServers: 2,
              maxTotalCpu: 8,
              maxTotalMemGb: 32,
              maxStorageGb: 10,
              maxPids: 1024,
              maxEndpoints: 2,
              maxServingCpu: 2,
              maxServingMemGb: 4,
            },
            after: {
              name: "gpu",
              maxCpu: 6,
              maxMemGb: 16,
              maxServers: 1,
              maxTotalCpu: 6,
              maxTotalMemGb: 16,
              maxStorageGb: 10,
              maxPids: 1024,
              maxEndpoints: 2,
              maxServingCpu: 2,
              maxServingMemGb: 4,
            },
          },
        },
      ]);
    });

    it("sets a role's serving allowance and keeps it when a later PUT leaves it out", async () => {
      const set = { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxEndpoints: 7, maxServingCpu: 12, maxServingMemGb: 48 };
      expect((await putRole(db(), root, "power", set)).role).toMatchObject({ maxEndpoints: 7, maxServingCpu: 12, maxServingMemGb: 48 });
      expect((await putRole(db(), root, "power", { maxCpu: 8, maxMemGb: 32, maxServers: 3 })).role).toMatchObject({
        maxEndpoints: 7,
        maxServingCpu: 12,
        maxServingMemGb: 48,
      });
    });

    it("sets a role's storage quota and keeps it when a later PUT leaves it out", async () => {
      expect((await putRole(db(), root, "power", { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxStorageGb: 75 })).role.maxStorageGb).toBe(75);
      expect((await putRole(db(), root, "power", { maxCpu: 8, maxMemGb: 32, maxServers: 3 })).role.maxStorageGb).toBe(75);
      expect((await findRole(db(), "power"))?.maxStorageGb).toBe(75);
    });

    it("sets a role's pids limit and keeps it when a later PUT leaves it out", async () => {
      expect((await putRole(db(), root, "power", { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxPids: 256 })).role.maxPids).toBe(256);
      expect((await putRole(db(), root, "power", { maxCpu: 8, maxMemGb: 32, maxServers: 3 })).role.maxPids).toBe(256);
      expect((await findRole(db(), "power"))?.maxPids).toBe(256);
      // A new role without one gets the default.
      expect((await putRole(db(), root, "fresh", { maxCpu: 1, maxMemGb: 1, maxServers: 1 })).role.maxPids).toBe(1024);
    });

    it("lists a new role in CPU order, ties by name", async () => {
      await putRole(db(), root, "alpha", { maxCpu: 8, maxMemGb: 8, maxServers: 1 });
      await putRole(db(), root, "small", { maxCpu: 1, maxMemGb: 1, maxServers: 1 });
      expect((await getRoles(db())).map((x) => x.name)).toEqual(["small", "user", "alpha", "power", "admin"]);
    });
  });
}
