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
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { getConfig } from "@/lib/config";
import { changeUser } from "./manage";
import { MAX_NAME_SUFFIX, MAX_SSO_GROUPS, signedInUser, signInUser, SignInRefused } from "./sign-in";

const admin: Principal = { name: "root", role: "admin", admin: true, via: "session" };
const ISSUER = "https://idp.example.com/realms/corp";
/** The provider's subject for a person of the provider (by her user name there, in these tests). */
const sso = (who: string, issuer = ISSUER) => ({ issuer, subject: `sub-${who}` });

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
      const u = await signInUser(db(), {
        name: "jane",
        displayName: "Jane Doe",
        email: "jane@corp.com",
        ssoRole: "power",
        method: "oidc",
        identity: sso("jane"),
      });
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
      const u = await signInUser(db(), { name: "jane", ssoRole: "wizard", method: "oidc", identity: sso("jane") });
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
      const u = await signInUser(db(), { name: "root-person", ssoRole: "user", method: "oidc", identity: sso("root-person") });
      expect(u.role).toBe("admin");
      expect(u.roleSource).toBe("config");
      const dev = await signInUser(db(), { name: "root-person", method: "dev" });
      expect(dev.role).toBe("admin");
      expect(dev.roleSource).toBe("config");
    });

    it("follows the groups at a later sign-in", async () => {
      await signInUser(db(), { name: "jane", displayName: "Jane", ssoRole: "power", method: "oidc", identity: sso("jane") });
      const before = Date.now();
      const u = await signInUser(db(), {
        name: "jane",
        displayName: "Jane D.",
        email: "jd@corp.com",
        ssoRole: "user",
        method: "oidc",
        identity: sso("jane"),
      });
      expect(u).toMatchObject({ role: "user", roleSource: "oidc", displayName: "Jane D.", email: "jd@corp.com" });
      expect(u.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(before);
      const promoted = await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc", identity: sso("jane") });
      expect(promoted).toMatchObject({ role: "admin", roleSource: "oidc", displayName: "Jane D.", email: "jd@corp.com" });
    });

    it("stores the SSO groups at each SSO sign-in (what group shares match), bounded, and keeps them at a development sign-in", async () => {
      const first = await signInUser(db(), {
        name: "jane",
        method: "oidc",
        identity: sso("jane"),
        groups: ["team", "team", "", "x".repeat(300)],
      });
      expect(first.ssoGroups).toEqual(["team"]);
      const many = Array.from({ length: MAX_SSO_GROUPS + 5 }, (_, i) => `g${i}`);
      const later = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane"), groups: many });
      expect(later.ssoGroups).toHaveLength(MAX_SSO_GROUPS);
      await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane"), groups: [] });
      expect((await findUser(db(), "jane"))?.ssoGroups).toEqual([]);
      await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane"), groups: ["ops"] });
      await signInUser(db(), { name: "jane", method: "dev" });
      expect((await findUser(db(), "jane"))?.ssoGroups).toEqual(["ops"]);
    });

    it("keeps the role at a development sign-in that brings no SSO role", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "power", method: "oidc", identity: sso("jane") });
      const u = await signInUser(db(), { name: "jane", method: "dev" });
      expect(u.role).toBe("power");
      expect(u.roleSource).toBe("oidc");
    });

    it("keeps a role an admin set at the next SSO sign-in", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc", identity: sso("jane") });
      const changed = await changeUser(db(), admin, "jane", { role: "power" });
      expect(changed.roleSource).toBe("admin");
      const u = await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc", identity: sso("jane") });
      expect(u.role).toBe("power");
      expect(u.roleSource).toBe("admin");
    });

    it("overrides an admin's choice when the groups make the person admin", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "user", method: "oidc", identity: sso("jane") });
      await changeUser(db(), admin, "jane", { role: "power" });
      const u = await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc", identity: sso("jane") });
      expect(u.role).toBe("admin");
      expect(u.roleSource).toBe("oidc");
    });

    it("writes a user.sign_in audit row for every sign-in, naming the identity it binds", async () => {
      await signInUser(db(), { name: "jane", ssoRole: "power", method: "oidc", identity: sso("jane") });
      await signInUser(db(), { name: "jane", ssoRole: "power", method: "oidc", identity: sso("jane") });
      await signInUser(db(), { name: "jane", method: "dev" });
      await signInUser(db(), { name: "other", method: "dev" });
      expect(await signInAudit("jane")).toEqual([
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "oidc", role: "power", bound: sso("jane") } },
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "oidc", role: "power" } },
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "dev", role: "power" } },
      ]);
    });

    it("drops an SSO-granted role when the groups now map to an unknown role", async () => {
      vi.spyOn(console, "warn").mockImplementation(() => {});
      await signInUser(db(), { name: "jane", ssoRole: "admin", method: "oidc", identity: sso("jane") });
      const u = await signInUser(db(), { name: "jane", ssoRole: "wizard", method: "oidc", identity: sso("jane") });
      expect(u.role).toBe("user");
    });
    it("binds the person to the issuer and subject at the first SSO sign-in", async () => {
      const u = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane") });
      expect([u.oidcIssuer, u.oidcSubject]).toEqual([ISSUER, "sub-jane"]);
      expect(await signedInUser(db(), { identity: sso("jane") })).toStrictEqual(u);
      expect(await signInAudit("jane")).toEqual([
        { actor: "jane", action: "user.sign_in", target: "jane", detail: { method: "oidc", role: "user", bound: sso("jane") } },
      ]);
    });

    it("gives a second subject that folds to a taken name a numbered name, never the first person's account", async () => {
      const first = await signInUser(db(), { name: "jane-doe", displayName: "Jane Doe", method: "oidc", identity: sso("Jane Doe") });
      const second = await signInUser(db(), { name: "jane-doe", displayName: "jane/doe", method: "oidc", identity: sso("jane/doe") });
      expect(second).toMatchObject({ name: "jane-doe-2", displayName: "jane/doe", oidcSubject: "sub-jane/doe" });
      expect(second.id).not.toBe(first.id);
      expect(second.homeVolume).not.toBe(first.homeVolume);
      // Each comes back to her own account; the first one's row is untouched by the second.
      expect((await signInUser(db(), { name: "jane-doe", method: "oidc", identity: sso("jane/doe") })).id).toBe(second.id);
      const again = await signInUser(db(), { name: "jane-doe", method: "oidc", identity: sso("Jane Doe") });
      expect([again.id, again.displayName]).toEqual([first.id, "Jane Doe"]);
      expect(
        await db()
          .select({ actor: auditEvents.actor, target: auditEvents.target, detail: auditEvents.detail })
          .from(auditEvents)
          .where(eq(auditEvents.action, "user.sso_name_taken")),
      ).toEqual([{ actor: "jane-doe-2", target: "jane-doe", detail: { given: "jane-doe-2", issuer: ISSUER, subject: "sub-jane/doe" } }]);
    });

    it("lets the first SSO subject claim a person made before bindings or by an admin, and only the first", async () => {
      const made = await insertUser(db(), { name: "jane", role: "power", roleSource: "admin" });
      const claimed = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane"), ssoRole: "user" });
      expect(claimed).toMatchObject({ id: made?.id, role: "power", oidcSubject: "sub-jane" });
      const other = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("impostor") });
      expect(other.name).toBe("jane-2");
      expect(other.role).toBe("user");
    });

    it("matches later sign-ins by identity: a renamed account at the provider stays the same person", async () => {
      const u = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane") });
      const renamed = await signInUser(db(), { name: "janet", method: "oidc", identity: sso("jane") });
      expect([renamed.name, renamed.id]).toEqual(["jane", u.id]);
      expect(await findUser(db(), "janet")).toBeUndefined();
    });

    it("treats the same subject at another issuer as another person", async () => {
      const a = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane") });
      const b = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane", "https://other-idp.example.org") });
      expect(b.name).toBe("jane-2");
      expect(b.id).not.toBe(a.id);
    });

    it("skips numbered names someone already has, bound or not", async () => {
      await signInUser(db(), { name: "jane", method: "oidc", identity: sso("a") });
      await insertUser(db(), { name: "jane-2", role: "user", roleSource: "default" });
      const c = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("c") });
      expect(c.name).toBe("jane-3");
      expect((await findUser(db(), "jane-2"))?.oidcSubject).toBeNull();
    });

    it("keeps a numbered form of a 63-character name within 63 characters", async () => {
      const long = `j${"a".repeat(61)}e`;
      await signInUser(db(), { name: long, method: "oidc", identity: sso("a") });
      const b = await signInUser(db(), { name: long, method: "oidc", identity: sso("b") });
      expect(b.name).toBe(`j${"a".repeat(60)}-2`);
    });

    it("refuses with a sentence when every numbered name is taken, and stores nothing", async () => {
      await signInUser(db(), { name: "jane", method: "oidc", identity: sso("a") });
      for (let n = 2; n <= MAX_NAME_SUFFIX; n++) await insertUser(db(), { name: `jane-${n}`, role: "user", roleSource: "default" });
      const before = await db().select().from(users);
      const refused = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("z") }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SignInRefused);
      expect((refused as SignInRefused).message).toBe(
        `The user name your SSO account gives (jane) and its numbered forms up to jane-${MAX_NAME_SUFFIX} belong to other people; ask an admin to sort out the names.`,
      );
      expect(await db().select().from(users)).toEqual(before);
      expect(await signedInUser(db(), { identity: sso("z") })).toBeUndefined();
    });

    it("gives two subjects signing in at once for the same name two people", async () => {
      const [a, b] = await Promise.all([
        signInUser(db(), { name: "jane", method: "oidc", identity: sso("a") }),
        signInUser(db(), { name: "jane", method: "oidc", identity: sso("b") }),
      ]);
      expect([a.name, b.name].sort()).toEqual(["jane", "jane-2"]);
      expect(a.id).not.toBe(b.id);
      const again = await Promise.all([1, 2, 3].map(() => signInUser(db(), { name: "jane", method: "oidc", identity: sso("c") })));
      expect(new Set(again.map((u) => u.id)).size).toBe(1);
    });

    it("signs the development sign-in in by name, bound or not", async () => {
      const u = await signInUser(db(), { name: "jane", method: "oidc", identity: sso("jane") });
      expect((await signInUser(db(), { name: "jane", method: "dev" })).id).toBe(u.id);
      expect((await signedInUser(db(), { name: "jane" }))?.id).toBe(u.id);
    });
  });
}
