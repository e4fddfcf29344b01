import { beforeEach, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { upsertServer } from "@/db/queries/servers";
import { insertToken } from "@/db/queries/tokens";
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents, deletedUsers, sessions, users } from "@/db/schema";
import { serverRowFixture, withOwnerId } from "@/db/server-fixture";
import { startSession } from "@/lib/auth/sessions";
import type { Spawner } from "@/lib/spawner";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { changeUser, createUser, getUserOrThrow, listUsers, removeUser } from "./manage";
import { NO_OUTPUT, serverLabel } from "@/lib/spawner/testing";
import { apiError } from "@/lib/http/testing";

const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };

/** An engine that records what it is asked to do; `down` makes it unreachable. */
function recordingSpawner() {
  const calls: string[] = [];
  const state = { down: false, calls };
  const no = () => Promise.reject(new Error("not used"));
  const spawner: Spawner = {
    start: no,
    exec: no,
    stats: no,
    imageInfo: no,
    runInImage: no,
    ...NO_OUTPUT,
    capacity: no,
    list: () => Promise.resolve([]),
    status: () => Promise.resolve({ state: "missing" }),
    ping: () => Promise.resolve(!state.down),
    stop: (ref) => {
      calls.push(`stop ${serverLabel(ref)}`);
      return Promise.resolve();
    },
    remove: () => Promise.resolve(),
    removeVolume: (v) => {
      calls.push(`removeVolume ${v}`);
      return Promise.resolve();
    },
  };
  return Object.assign(state, { spawner });
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
      await db().delete(deletedUsers);
    });

    const audit = () =>
      db()
        .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target, detail: auditEvents.detail })
        .from(auditEvents)
        .orderBy(asc(auditEvents.id));

    describe("createUser", () => {
      it("creates a user with roleSource admin and records it", async () => {
        const u = await createUser(db(), root, { name: "jane", role: "power", displayName: "Jane", email: "jane@corp.com" });
        expect(u).toMatchObject({
          name: "jane",
          role: "power",
          roleSource: "admin",
          displayName: "Jane",
          email: "jane@corp.com",
          limits: {},
          lastSeenAt: null,
        });
        expect(await findUser(db(), "jane")).toStrictEqual(u);
        expect(await audit()).toEqual([{ actor: "root", action: "user.create", target: "jane", detail: { role: "power" } }]);
      });

      it("leaves display name and email null when not given", async () => {
        const u = await createUser(db(), root, { name: "jane", role: "user" });
        expect(u.displayName).toBeNull();
        expect(u.email).toBeNull();
      });

      it("refuses an unknown role with 400 unknown_role and stores nothing", async () => {
        const err = await apiError(createUser(db(), root, { name: "jane", role: "wizard" }));
        expect(err.status).toBe(400);
        expect(err.code).toBe("unknown_role");
        expect(err.message).toBe('There is no role named "wizard".');
        expect(await findUser(db(), "jane")).toBeUndefined();
        expect(await audit()).toEqual([]);
      });

      it("refuses a duplicate with 409 user_exists and changes nothing", async () => {
        await createUser(db(), root, { name: "jane", role: "power", displayName: "Jane" });
        const err = await apiError(
          createUser(db(), { ...root, name: "other-admin" }, { name: "jane", role: "admin", displayName: "Imposter" }),
        );
        expect(err.status).toBe(409);
        expect(err.code).toBe("user_exists");
        expect(err.message).toBe('A user named "jane" already exists.');
        const stored = await findUser(db(), "jane");
        expect(stored?.role).toBe("power");
        expect(stored?.displayName).toBe("Jane");
        expect((await audit()).map((a) => a.action)).toEqual(["user.create"]);
      });
    });

    describe("changeUser", () => {
      beforeEach(async () => {
        await insertUser(db(), { name: "jane", role: "user", roleSource: "oidc" });
      });

      it("changes the role, marks it as an admin's choice and records before and after", async () => {
        const u = await changeUser(db(), root, "jane", { role: "power" });
        expect(u).toMatchObject({ name: "jane", role: "power", roleSource: "admin", limits: {} });
        expect(await findUser(db(), "jane")).toStrictEqual(u);
        expect(await audit()).toEqual([
          {
            actor: "root",
            action: "user.update",
            target: "jane",
            detail: { before: { role: "user", limits: {} }, after: { role: "power", limits: {} } },
          },
        ]);
      });

      it("merges limit overrides and keeps the role source when only limits change", async () => {
        const a = await changeUser(db(), root, "jane", { limits: { maxCpu: 4 } });
        expect(a.limits).toEqual({ maxCpu: 4 });
        expect(a.roleSource).toBe("oidc");
        expect(a.role).toBe("user");
        const b = await changeUser(db(), root, "jane", { limits: { maxMemGb: 8, maxServers: 0 } });
        expect(b.limits).toEqual({ maxCpu: 4, maxMemGb: 8, maxServers: 0 });
        expect((await findUser(db(), "jane"))?.limits).toEqual({ maxCpu: 4, maxMemGb: 8, maxServers: 0 });
      });

      it("removes one override with a null value", async () => {
        await changeUser(db(), root, "jane", { limits: { maxCpu: 4, maxMemGb: 8 } });
        const u = await changeUser(db(), root, "jane", { limits: { maxCpu: null } });
        expect(u.limits).toStrictEqual({ maxMemGb: 8 });
        expect((await findUser(db(), "jane"))?.limits).toStrictEqual({ maxMemGb: 8 });
      });

      it("removes every override with limits null", async () => {
        await changeUser(db(), root, "jane", { limits: { maxCpu: 4, maxMemGb: 8 } });
        const u = await changeUser(db(), root, "jane", { limits: null });
        expect(u.limits).toStrictEqual({});
        expect((await findUser(db(), "jane"))?.limits).toStrictEqual({});
        const last = (await audit()).at(-1);
        expect(last?.detail).toEqual({
          before: { role: "user", limits: { maxCpu: 4, maxMemGb: 8 } },
          after: { role: "user", limits: {} },
        });
      });

      it("changes nothing for an unknown role: role, limits and audit log stay as they were", async () => {
        await changeUser(db(), root, "jane", { limits: { maxCpu: 4 } });
        const before = await findUser(db(), "jane");
        const auditBefore = await audit();
        const err = await apiError(changeUser(db(), root, "jane", { role: "wizard", limits: { maxCpu: 8, maxMemGb: 2 } }));
        expect(err.status).toBe(400);
        expect(err.code).toBe("unknown_role");
        expect(err.message).toBe('There is no role named "wizard".');
        const after = await findUser(db(), "jane");
        expect(after).toStrictEqual(before);
        expect(after?.role).toBe("user");
        expect(after?.roleSource).toBe("oidc");
        expect(after?.limits).toEqual({ maxCpu: 4 });
        expect(await audit()).toEqual(auditBefore);
        expect(auditBefore).toHaveLength(1);
      });

      it("answers 404 user_not_found for an unknown user", async () => {
        const err = await apiError(changeUser(db(), root, "nobody", { role: "power" }));
        expect(err.status).toBe(404);
        expect(err.code).toBe("user_not_found");
        expect(err.message).toBe('There is no user named "nobody".');
        expect(await audit()).toEqual([]);
      });

      it("accepts an empty patch", async () => {
        const u = await changeUser(db(), root, "jane", {});
        expect(u).toMatchObject({ name: "jane", role: "user", roleSource: "oidc", limits: {} });
      });
    });

    describe("removeUser", () => {
      let engine: ReturnType<typeof recordingSpawner>;
      beforeEach(async () => {
        engine = recordingSpawner();
        await insertUser(db(), { name: "jane", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
      });

      it("deletes the user, keeps her volume by default, and records what went with her", async () => {
        const jane = (await findUser(db(), "jane"))!;
        await startSession(db(), jane, {});
        await insertToken(
          db(),
          await withOwnerId(db(), { id: "tok_j", userName: "jane", hash: "h-j", kind: "personal", note: null, expiresAt: null }),
        );
        const removed = await removeUser(db(), engine.spawner, root, "jane", { volume: "keep" });
        expect(removed).toEqual({
          name: "jane",
          servers: [],
          executions: [],
          tokens: 1,
          sessions: 1,
          volume: { name: jane.homeVolume, removed: false },
        });
        expect(await findUser(db(), "jane")).toBeUndefined();
        expect(await db().select().from(sessions)).toEqual([]);
        expect(engine.calls).toEqual([]);
        expect(await db().select().from(deletedUsers)).toMatchObject([
          { id: jane.id, name: "jane", homeVolume: jane.homeVolume, volumeKept: true },
        ]);
        expect(await audit()).toEqual([
          {
            actor: "root",
            action: "user.delete",
            target: "jane",
            detail: { volume: "keep", homeVolume: jane.homeVolume, servers: [], tokens: 1, sessions: 1 },
          },
        ]);
      });

      it("stops her active servers through the engine and removes her volume when asked", async () => {
        const jane = (await findUser(db(), "jane"))!;
        await upsertServer(db(), await serverRowFixture(db(), "jane", "default", { status: "running" }));
        await upsertServer(db(), await serverRowFixture(db(), "jane", "old", { status: "stopped" }));
        const removed = await removeUser(db(), engine.spawner, root, "jane", { volume: "remove" });
        expect(removed.servers).toEqual(["default"]);
        expect(removed.volume).toEqual({ name: jane.homeVolume, removed: true });
        expect(engine.calls).toEqual(["stop jane/default", `removeVolume ${jane.homeVolume}`]);
        expect(await db().select().from(deletedUsers)).toMatchObject([{ id: jane.id, volumeKept: false }]);
      });

      it("deletes nothing when the engine cannot be reached to stop her servers", async () => {
        await upsertServer(db(), await serverRowFixture(db(), "jane", "default", { status: "running" }));
        engine.down = true;
        const err = await apiError(removeUser(db(), engine.spawner, root, "jane", { volume: "keep" }));
        expect(err.status).toBe(503);
        expect((await findUser(db(), "jane"))?.name).toBe("jane");
        expect(await db().select().from(deletedUsers)).toEqual([]);
      });

      it("refuses to delete oneself with 400", async () => {
        const err = await apiError(removeUser(db(), engine.spawner, root, "root", { volume: "keep" }));
        expect(err.status).toBe(400);
        expect(err.code).toBe("cannot_delete_self");
        expect(err.message).toBe("You cannot delete your own account.");
        expect((await findUser(db(), "root"))?.name).toBe("root");
        expect(await audit()).toEqual([]);
      });

      it("answers 404 for an unknown user and records nothing", async () => {
        const err = await apiError(removeUser(db(), engine.spawner, root, "nobody", { volume: "keep" }));
        expect(err.status).toBe(404);
        expect(err.code).toBe("user_not_found");
        expect(await audit()).toEqual([]);
      });

      it("gives a name created again a new id and a new home volume", async () => {
        const before = (await findUser(db(), "jane"))!;
        await removeUser(db(), engine.spawner, root, "jane", { volume: "keep" });
        const again = await createUser(db(), root, { name: "jane", role: "user" });
        expect(again.id).not.toBe(before.id);
        expect(again.homeVolume).not.toBe(before.homeVolume);
      });
    });

    describe("getUserOrThrow and listUsers", () => {
      it("finds a user or answers 404", async () => {
        await insertUser(db(), { name: "jane", role: "user", roleSource: "oidc" });
        expect((await getUserOrThrow(db(), "jane")).name).toBe("jane");
        const err = await apiError(getUserOrThrow(db(), "nobody"));
        expect(err.status).toBe(404);
        expect(err.code).toBe("user_not_found");
      });

      it("lists users through the search", async () => {
        await insertUser(db(), { name: "jane", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "joe", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "ann", role: "user", roleSource: "oidc" });
        const r = await listUsers(db(), { q: "j", offset: 0, limit: 1 });
        expect(r.total).toBe(2);
        expect(r.items.map((u) => u.name)).toEqual(["jane"]);
      });
    });

    it("records each action in order", async () => {
      await createUser(db(), root, { name: "jane", role: "user" });
      await changeUser(db(), root, "jane", { role: "power", limits: { maxCpu: 6 } });
      const jane = (await findUser(db(), "jane"))!;
      await removeUser(db(), recordingSpawner().spawner, root, "jane", { volume: "keep" });
      expect(await audit()).toEqual([
        { actor: "root", action: "user.create", target: "jane", detail: { role: "user" } },
        {
          actor: "root",
          action: "user.update",
          target: "jane",
          detail: { before: { role: "user", limits: {} }, after: { role: "power", limits: { maxCpu: 6 } } },
        },
        {
          actor: "root",
          action: "user.delete",
          target: "jane",
          detail: { volume: "keep", homeVolume: jane.homeVolume, servers: [], tokens: 0, sessions: 0 },
        },
      ]);
    });
  });
}
