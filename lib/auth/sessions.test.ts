import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

// resolvePrincipal reads AUTH_SECRET through getConfig() once per module graph: set it before imports.
const { secret, restoreEnv } = vi.hoisted(() => {
  const keys = ["AUTH_SECRET", "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "DATABASE_URL"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  const secret = "auth-secret-for-session-tests-0123456789";
  process.env.AUTH_SECRET = secret;
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { secret, restoreEnv };
});
afterAll(restoreEnv);

import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { countLiveSessions, deleteExpiredSessions } from "@/db/queries/sessions";
import { findUser, insertUser, type UserRow } from "@/db/queries/users";
import { auditEvents, sessions, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { resolvePrincipal, type Principal } from "./principal";
import { endSession, revokeSessions, SESSION_ID_CLAIM, SESSION_USER_CLAIM, SESSION_USER_ID_CLAIM, startSession } from "./sessions";

const COOKIE = "authjs.session-token";
const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };

/** Signs in as sign-in does: a session row and the JWT claims naming it; returns the claims and the cookie. */
async function signIn(db: Db, user: UserRow) {
  const claims: Record<string, unknown> = {};
  await startSession(db, user, claims);
  return { claims, cookie: await cookieOf(claims) };
}

async function cookieOf(claims: Record<string, unknown>): Promise<string> {
  return `${COOKIE}=${await encode({ token: claims, secret, salt: COOKIE })}`;
}

const whoIs = async (db: Db, cookie: string) => (await resolvePrincipal(db, new Headers({ cookie })))?.name ?? null;

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    let alice: UserRow;
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
      alice = (await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" }))!;
    });

    it("accepts the cookie of a live session", async () => {
      const { cookie } = await signIn(db(), alice);
      expect(await whoIs(db(), cookie)).toBe("alice");
    });

    it("refuses a copy of the cookie once its session signed out", async () => {
      const { claims, cookie } = await signIn(db(), alice);
      const other = await signIn(db(), alice); // her other browser
      await endSession(db(), claims);
      expect(await whoIs(db(), cookie)).toBeNull();
      expect(await whoIs(db(), other.cookie)).toBe("alice");
    });

    it("refuses a correctly signed cookie that names no session (forged claims, cookies from before sessions)", async () => {
      expect(await whoIs(db(), await cookieOf({ [SESSION_USER_CLAIM]: "alice" }))).toBeNull();
      expect(
        await whoIs(
          db(),
          await cookieOf({ [SESSION_USER_CLAIM]: "alice", [SESSION_USER_ID_CLAIM]: alice.id, [SESSION_ID_CLAIM]: "made-up" }),
        ),
      ).toBeNull();
    });

    it("refuses a session of one person presented under another's name or id", async () => {
      const bob = (await insertUser(db(), { name: "bob", role: "admin", roleSource: "admin" }))!;
      const { claims } = await signIn(db(), alice);
      expect(await whoIs(db(), await cookieOf({ ...claims, [SESSION_USER_CLAIM]: "bob" }))).toBeNull();
      expect(await whoIs(db(), await cookieOf({ ...claims, [SESSION_USER_CLAIM]: "bob", [SESSION_USER_ID_CLAIM]: bob.id }))).toBeNull();
    });

    it("refuses the cookie of a deleted person when the name is created again", async () => {
      const { claims, cookie } = await signIn(db(), alice);
      await db().delete(users).where(eq(users.name, "alice"));
      const again = (await insertUser(db(), { name: "alice", role: "user", roleSource: "admin" }))!;
      expect(again.id).not.toBe(alice.id);
      expect(again.homeVolume).not.toBe(alice.homeVolume);
      expect(await whoIs(db(), cookie)).toBeNull();
      // Even a session row of the new alice does not make the old cookie's claims work.
      const fresh = await signIn(db(), again);
      expect(await whoIs(db(), await cookieOf({ ...claims, [SESSION_ID_CLAIM]: fresh.claims[SESSION_ID_CLAIM] }))).toBeNull();
      expect(await whoIs(db(), fresh.cookie)).toBe("alice");
    });

    it("refuses an expired session and removes expired rows", async () => {
      const { cookie } = await signIn(db(), alice);
      await db()
        .update(sessions)
        .set({ expiresAt: new Date(Date.now() - 1000) });
      expect(await whoIs(db(), cookie)).toBeNull();
      expect(await deleteExpiredSessions(db())).toBe(1);
      expect(await countLiveSessions(db(), alice.id)).toBe(0);
    });

    it("slides a session's expiry when it is used, at most once a minute", async () => {
      const { cookie } = await signIn(db(), alice);
      const soon = new Date(Date.now() + 3_600_000);
      await db()
        .update(sessions)
        .set({ expiresAt: soon, lastSeenAt: new Date(Date.now() - 120_000) });
      expect(await whoIs(db(), cookie)).toBe("alice");
      const [row] = await db().select().from(sessions);
      expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3_600_000);
      expect((await findUser(db(), "alice"))?.lastSeenAt).not.toBeNull();
    });

    it("lets an admin revoke every session of a person, and records it", async () => {
      const a = await signIn(db(), alice);
      const b = await signIn(db(), alice);
      expect(await countLiveSessions(db(), alice.id)).toBe(2);
      expect(await revokeSessions(db(), root, alice)).toBe(2);
      expect(await whoIs(db(), a.cookie)).toBeNull();
      expect(await whoIs(db(), b.cookie)).toBeNull();
      const audit = await db().select().from(auditEvents);
      expect(audit).toMatchObject([{ actor: "root", action: "user.sessions_revoke", target: "alice", detail: { sessions: 2 } }]);
    });

    it("stores only a hash of the session id", async () => {
      const { claims } = await signIn(db(), alice);
      const rows = await db().select().from(sessions);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.idHash).not.toBe(claims[SESSION_ID_CLAIM]);
      expect(JSON.stringify(rows)).not.toContain(String(claims[SESSION_ID_CLAIM]));
    });
  });
}
