import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// signInUser reads getConfig().adminUsers; getConfig() parses process.env once per module graph, on
// first use, so the environment is set before any import (vi.hoisted runs first) and restored after.
const restoreEnv = vi.hoisted(() => {
  const keys = ["ATRIUM_ADMIN_USERS", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "PORT", "DATABASE_URL"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  process.env.ATRIUM_ADMIN_USERS = "root-person";
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
});
afterAll(restoreEnv);

import { asc, eq } from "drizzle-orm";
import { findUser } from "@/db/queries/users";
import { auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { getConfig } from "@/lib/config";
import { changeUser } from "./manage";
import { signInUser } from "./sign-in";

const admin: Principal = { name: "root", role: "admin", admin: true, via: "session" };

describe("configuration used by these tests", () => {
  it("has exactly one configured admin", () => {
    expect(getConfig().adminUsers).toEqual(["root-person"]);
  });
});

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    const signInAudit = (name: string) =>
      db()
        .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target, detail: auditEvents.detail })
        .from(auditEvents)
        .where(eq(auditEvents.target, name))
        .orderBy(asc(auditEvents.id));

    it("creates the user at the first SSO sign-in with the SSO role", async () => {
      const u = await signInUser(db(), { name: "jane", displayName: "Jane Doe", email: "jane@corp.com", ssoRole: "power", method: "oidc" });
      expect(u).toMatchObject({
        name: "jane",
        role: "power",
        roleSource: "oidc",
        displayName: "Jane Doe",
        email: "jane@corp.com",
        limits: {},
      });
      expect(await findUser(db(), "jane")).toStrictEqual(u);
    });

    it("falls back to the user role for an unknown SSO role, with a warning", async () => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const u = await signInUser(db(), { name: "jane", ssoRole: "wizard", method: "oidc" });
      expect(u.role).toBe("user");
      expect(u.roleSource).toBe("default");
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith('[atrium] SSO mapped jane to unknown role "wizard"; using the default role.');
    });

    it("gives a development sign-in the user role", async () => {
      const u = await signInUser(db(), { name: "dev1", method: "dev" });
      expect(u).toMatchObject({ name: "dev1", role: "user", roleSource: "default", displayName: null, email: null });
    });

    it("makes configured admin users admin, whatever their groups", async () => {
      const u = await signInUser(db(), { name: "root-person", ssoRole: "user", method: "oidc" });
      expect(u.role).toBe("admin");
      expect(u.roleSource).toBe("config");
      const dev = await signInUser(db(), { name: "root-person", method: "dev" });
      expect(dev.role).toBe("admin");
      expect(dev.roleSource).toBe("config");
    });

    it("follows the groups at a later sign-in", async () => {
      await signInUser(db(), { name: "jane", displayName: "Jane", ssoRole: "power", method: "oidc" });
      const before = Date.now();
      const u = await signInUser(db(), { name: "jane", displayName: "Jane D.", email: "jd@corp.com", ssoRole: "user", method: "oidc" });
      expect(u).toMatchObject({ role: "user", roleSource: "oidc", displayName: "Jane D.", email: "jd@corp.com" });
      expect(u.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(before);
      const promoted = await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc" });
      expect(promoted).toMatchObject({ role: "admin", roleSource: "oidc", displayName: "Jane D.", email: "jd@corp.com" });
    });

    it("keeps the role at a development sign-in that brings no SSO role", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "power", method: "oidc" });
      const u = await signInUser(db(), { name: "jane", method: "dev" });
      expect(u.role).toBe("power");
      expect(u.roleSource).toBe("oidc");
    });

    it("keeps a role an admin set at the next SSO sign-in", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc" });
      const changed = await changeUser(db(), admin, "jane", { role: "power" });
      expect(changed.roleSource).toBe("admin");
      const u = await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc" });
      expect(u.role).toBe("power");
      expect(u.roleSource).toBe("admin");
    });

    it("overrides an admin's choice when the groups make the person admin", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc" });
      await changeUser(db(), admin, "jane", { role: "power" });
      const u = await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc" });
      expect(u.role).toBe("admin");
      expect(u.roleSource).toBe("oidc");
    });

    it("writes a user.sign_in audit row for every sign-in", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "power", method: "oidc" });
      await signInUser(db(), { name: "jane", method: "dev" });
      await signInUser(db(), { name: "other", method: "dev" });
      expect(await signInAudit("jane")).toEqual([
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "oidc", role: "power" } },
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "dev", role: "power" } },
      ]);
    });

    it("drops an SSO-granted role when the groups now map to an unknown role", async () => {
      vi.spyOn(console, "warn").mockImplementation(() => {});
      await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc" });
      const u = await signInUser(db(), { name: "jane", ssoRole: "wizard", method: "oidc" });
      expect(u.role).toBe("user");
    });
  });
}
