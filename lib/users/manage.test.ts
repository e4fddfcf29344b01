import { beforeEach, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { changeUser, createUser, getUserOrThrow, listUsers, removeUser } from "./manage";

const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ApiError);
  return caught as ApiError;
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async (ctx) => {
      await db().delete(auditEvents);
      await db().delete(users);
    });

    const audit = () =>
      db()
        .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target, detail: auditEvents.detail })
        .from(auditEvents)
        .orderBy(asc(auditEvents.id));

    describe("createUser", () => {
      it("creates a user with roleSource admin and records it", async () => {
        const u = await createUser(db(), root, { name: "jane", role: "power", displayName: "Jane", email: "jane@corp.com" });
        expect(u).toMatchObject({ name: "jane", role: "power", roleSource: "admin", displayName: "Jane", email: "jane@corp.com", limits: {}, lastSeenAt: null });
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
        const err = await apiError(createUser(db(), { ...root, name: "other-admin" }, { name: "jane", role: "admin", displayName: "Imposter" }));
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
      beforeEach(async () => {
        await insertUser(db(), { name: "jane", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
      });

      it("deletes the user and records it", async () => {
        await removeUser(db(), root, "jane");
        expect(await findUser(db(), "jane")).toBeUndefined();
        expect(await audit()).toEqual([{ actor: "root", action: "user.delete", target: "jane", detail: {} }]);
      });

      it("refuses to delete oneself with 400", async () => {
        const err = await apiError(removeUser(db(), root, "root"));
        expect(err.status).toBe(400);
        expect(err.code).toBe("cannot_delete_self");
        expect(err.message).toBe("You cannot delete your own account.");
        expect((await findUser(db(), "root"))?.name).toBe("root");
        expect(await audit()).toEqual([]);
      });

      it("answers 404 for an unknown user and records nothing", async () => {
        const err = await apiError(removeUser(db(), root, "nobody"));
        expect(err.status).toBe(404);
        expect(err.code).toBe("user_not_found");
        expect(await audit()).toEqual([]);
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
      await removeUser(db(), root, "jane");
      expect(await audit()).toEqual([
        { actor: "root", action: "user.create", target: "jane", detail: { role: "user" } },
        {
          actor: "root",
          action: "user.update",
          target: "jane",
          detail: { before: { role: "user", limits: {} }, after: { role: "power", limits: { maxCpu: 6 } } },
        },
        { actor: "root", action: "user.delete", target: "jane", detail: {} },
      ]);
    });
  });
}
