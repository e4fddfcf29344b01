import { withOwnerId } from "@/db/server-fixture";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { vi } from "vitest";

// getConfig() parses process.env once per module graph (vitest gives each test file its own) and
// resolvePrincipal reads it lazily, so the environment must be in place before the first call.
// vi.hoisted runs before the imports below.
const { env, restoreEnv } = vi.hoisted(() => {
  const values = {
    ATRIUM_BOOTSTRAP_TOKEN: "bootstrap-token-for-tests-0123456789",
    AUTH_SECRET: "auth-secret-for-principal-tests-0123456789",
  };
  const keys = [...Object.keys(values), "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "PORT", "DATABASE_URL"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, values);
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { env: values, restoreEnv };
});
afterAll(restoreEnv);

import { encode } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { insertMember, insertProject } from "@/db/queries/projects";
import { deleteToken, findTokenByHash, insertToken } from "@/db/queries/tokens";
import { deleteUser, findUser, insertUser, updateUser } from "@/db/queries/users";
import { auditEvents, projects, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { getConfig } from "@/lib/config";
import { BOOTSTRAP_PRINCIPAL, resolvePrincipal } from "./principal";
import { expandScopes } from "./scopes";
import { SESSION_USER_CLAIM, startSession } from "./sessions";
import { generateToken, hashToken } from "./tokens";

const COOKIE = "authjs.session-token";

/** The database, counting the statements started through it (each select/insert/update/delete/execute is one). */
function counting(db: Db): { db: Db; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const statements = new Set(["select", "insert", "update", "delete", "execute", "transaction"]);
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === "string" && statements.has(prop) && typeof value === "function") {
        return (...args: unknown[]) => {
          counts[prop] = (counts[prop] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return { db: proxy, counts };
}

/** A cookie as sign-in makes it: a live session row for the person, named in the JWT (lib/auth/sessions.ts). */
async function sessionCookie(db: Db, name: string): Promise<string> {
  const claims: Record<string, unknown> = {};
  const user = await findUser(db, name);
  if (user) await startSession(db, user, claims);
  else claims[SESSION_USER_CLAIM] = name;
  const jwt = await encode({ token: claims, secret: env.AUTH_SECRET, salt: COOKIE });
  return `${COOKIE}=${jwt}`;
}

describe("configuration used by these tests", () => {
  it("has the bootstrap token and secret from the environment", () => {
    expect(getConfig().bootstrapToken).toBe(env.ATRIUM_BOOTSTRAP_TOKEN);
    expect(getConfig().authSecret).toBe(env.AUTH_SECRET);
    expect(getConfig().publicUrl).toBe("http://localhost:3000");
  });
});

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);

    let aliceToken: string;
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(projects);
      await db().delete(users);
      await insertUser(db(), { name: "alice", role: "power", roleSource: "oidc" });
      await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
      aliceToken = generateToken();
      await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_alice",
          userName: "alice",
          hash: hashToken(aliceToken),
          kind: "personal",
          note: null,
          scopes: ["account"],
          expiresAt: null,
        }),
      );
    });

    const headers = (init: Record<string, string>) => new Headers(init);
    /** The person's immutable id, which the principal carries (what she makes is owned by it). */
    const idOf = async (name: string) => (await findUser(db(), name))?.id;

    it("resolves a valid Bearer token to its user", async () => {
      const p = await resolvePrincipal(db(), headers({ authorization: `Bearer ${aliceToken}` }));
      expect(p).toStrictEqual({
        name: "alice",
        userId: await idOf("alice"),
        role: "power",
        admin: false,
        via: "token",
        groups: [],
        tokenId: "tok_alice",
        tokenKind: "personal",
        scopes: expandScopes(["account"]),
      });
    });

    it("records the token's last use and the user's last activity", async () => {
      const before = Date.now();
      await resolvePrincipal(db(), headers({ authorization: `Bearer ${aliceToken}` }));
      const row = await findTokenByHash(db(), hashToken(aliceToken));
      expect(row?.lastUsedAt?.getTime()).toBeGreaterThanOrEqual(before);
      const user = await findUser(db(), "alice");
      expect(user?.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(before);
    });

    it("authenticates a token with one query once its activity stamps are fresh, and writes them at most once a minute", async () => {
      const auth = headers({ authorization: `Bearer ${aliceToken}` });
      const first = counting(db());
      expect((await resolvePrincipal(first.db, auth))?.name).toBe("alice");
      // Never used: the token's and the person's stamps are written, beside the one read.
      expect(first.counts).toStrictEqual({ select: 1, update: 2 });
      const next = counting(db());
      for (let i = 0; i < 3; i++) expect((await resolvePrincipal(next.db, auth))?.name).toBe("alice");
      expect(next.counts).toStrictEqual({ select: 3 });
    });

    it("authenticates a session cookie with one query once its activity stamps are fresh", async () => {
      const auth = headers({ cookie: await sessionCookie(db(), "alice") });
      expect((await resolvePrincipal(db(), auth))?.via).toBe("session");
      const next = counting(db());
      expect((await resolvePrincipal(next.db, auth))?.via).toBe("session");
      expect(next.counts).toStrictEqual({ select: 1 });
    });

    it("reads a token's project roles, direct and through SSO groups, the strongest winning, in that one query", async () => {
      const alice = await findUser(db(), "alice");
      if (!alice) throw new Error("no alice");
      await updateUser(db(), "alice", { ssoGroups: ["ml", "data"] });
      const p1 = await insertProject(db(), { name: "p1", description: "", createdBy: null });
      const p2 = await insertProject(db(), { name: "p2", description: "", createdBy: null });
      const p3 = await insertProject(db(), { name: "p3", description: "", createdBy: null });
      if (!p1 || !p2 || !p3) throw new Error("no projects");
      await insertMember(db(), p1.id, { userId: alice.id }, "viewer");
      await insertMember(db(), p1.id, { groupName: "ml" }, "editor");
      await insertMember(db(), p2.id, { groupName: "data" }, "user");
      await insertMember(db(), p3.id, { groupName: "other" }, "owner");
      const auth = headers({ authorization: `Bearer ${aliceToken}` });
      expect((await resolvePrincipal(db(), auth))?.projectRoles).toStrictEqual({ [p1.id]: "editor", [p2.id]: "user" });
      const cookie = headers({ cookie: await sessionCookie(db(), "alice") });
      expect((await resolvePrincipal(db(), cookie))?.projectRoles).toStrictEqual({ [p1.id]: "editor", [p2.id]: "user" });
    });

    it("refuses a revoked token at the very next request, and a changed role counts at once", async () => {
      const auth = headers({ authorization: `Bearer ${aliceToken}` });
      expect((await resolvePrincipal(db(), auth))?.role).toBe("power");
      await updateUser(db(), "alice", { role: "user" });
      expect((await resolvePrincipal(db(), auth))?.role).toBe("user");
      const alice = await findUser(db(), "alice");
      expect(await deleteToken(db(), alice?.id ?? "", "tok_alice")).toBe(true);
      expect(await resolvePrincipal(db(), auth)).toBeNull();
    });

    it("accepts JupyterHub's `token x` form and any case", async () => {
      expect(await resolvePrincipal(db(), headers({ authorization: `token ${aliceToken}` }))).toStrictEqual({
        name: "alice",
        userId: await idOf("alice"),
        role: "power",
        admin: false,
        via: "token",
        groups: [],
        tokenId: "tok_alice",
        tokenKind: "personal",
        scopes: expandScopes(["account"]),
      });
      expect((await resolvePrincipal(db(), headers({ authorization: `BEARER ${aliceToken}` })))?.name).toBe("alice");
    });

    it("accepts any object with get()", async () => {
      const source = { get: (n: string) => (n === "authorization" ? `Bearer ${aliceToken}` : null) };
      expect((await resolvePrincipal(db(), source))?.name).toBe("alice");
    });

    it("marks admins whose token has the admin scope, and only those", async () => {
      const t = generateToken();
      await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_root",
          userName: "root",
          hash: hashToken(t),
          kind: "personal",
          note: null,
          scopes: ["admin"],
          expiresAt: null,
        }),
      );
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${t}` }))).toStrictEqual({
        name: "root",
        userId: await idOf("root"),
        role: "admin",
        admin: true,
        via: "token",
        groups: [],
        tokenId: "tok_root",
        tokenKind: "personal",
        scopes: expandScopes(["admin"]),
      });
      const plain = generateToken();
      await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_root_plain",
          userName: "root",
          hash: hashToken(plain),
          kind: "personal",
          note: null,
          scopes: ["account"],
          expiresAt: null,
        }),
      );
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${plain}` }))).toMatchObject({
        name: "root",
        role: "admin",
        admin: false,
      });
    });

    it("gives a token only the scopes on its row: none when the row has none", async () => {
      const t = generateToken();
      await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_ws",
          userName: "alice",
          hash: hashToken(t),
          kind: "workspace",
          note: null,
          scopes: ["mlflow", "servers:install", "no-such-scope"],
          expiresAt: null,
        }),
      );
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${t}` }))).toMatchObject({
        tokenKind: "workspace",
        scopes: ["servers:install", "mlflow"],
      });
      const bare = generateToken();
      await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_bare",
          userName: "alice",
          hash: hashToken(bare),
          kind: "personal",
          note: null,
          expiresAt: null,
        }),
      );
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${bare}` }))).toMatchObject({ scopes: [] });
    });

    it("accepts a token that has not expired yet", async () => {
      const t = generateToken();
      const expiresAt = new Date(Date.now() + 3_600_000);
      await insertToken(
        db(),
        await withOwnerId(db(), { id: "tok_soon", userName: "alice", hash: hashToken(t), kind: "personal", note: null, expiresAt }),
      );
      expect((await resolvePrincipal(db(), headers({ authorization: `Bearer ${t}` })))?.name).toBe("alice");
    });

    it("refuses an expired token and does not record its use", async () => {
      const t = generateToken();
      const expiresAt = new Date(Date.now() - 1000);
      await insertToken(
        db(),
        await withOwnerId(db(), { id: "tok_old", userName: "alice", hash: hashToken(t), kind: "personal", note: null, expiresAt }),
      );
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${t}` }))).toBeNull();
      expect((await findTokenByHash(db(), hashToken(t)))?.lastUsedAt).toBeNull();
      expect((await findUser(db(), "alice"))?.lastSeenAt).toBeNull();
    });

    it("refuses an unknown token", async () => {
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${generateToken()}` }))).toBeNull();
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${hashToken(aliceToken)}` }))).toBeNull();
    });

    it("refuses a token whose user was deleted", async () => {
      expect(await deleteUser(db(), "alice")).toBe(true);
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${aliceToken}` }))).toBeNull();
    });

    it("resolves the bootstrap token to the bootstrap admin without touching the database", async () => {
      const p = await resolvePrincipal(db(), headers({ authorization: `Bearer ${env.ATRIUM_BOOTSTRAP_TOKEN}` }));
      expect(p).toStrictEqual({ name: "bootstrap", role: "admin", admin: true, via: "bootstrap" });
      expect(p).toBe(BOOTSTRAP_PRINCIPAL);
      expect(await findUser(db(), "bootstrap")).toBeUndefined();
      expect((await resolvePrincipal(db(), headers({ authorization: `token ${env.ATRIUM_BOOTSTRAP_TOKEN}` })))?.via).toBe("bootstrap");
    });

    it("refuses a near miss of the bootstrap token", async () => {
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${env.ATRIUM_BOOTSTRAP_TOKEN}x` }))).toBeNull();
      expect(await resolvePrincipal(db(), headers({ authorization: `Bearer ${env.ATRIUM_BOOTSTRAP_TOKEN.slice(0, -1)}` }))).toBeNull();
    });

    it("returns null without an authorization header or cookie", async () => {
      expect(await resolvePrincipal(db(), new Headers())).toBeNull();
      expect(await resolvePrincipal(db(), headers({ authorization: "Basic YWxpY2U6cHc=" }))).toBeNull();
    });

    it("resolves a session cookie to its user", async () => {
      expect(await resolvePrincipal(db(), headers({ cookie: await sessionCookie(db(), "alice") }))).toStrictEqual({
        name: "alice",
        userId: await idOf("alice"),
        role: "power",
        admin: false,
        via: "session",
        groups: [],
        sessionIdHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    it("refuses a session for a user who no longer exists, or a forged cookie", async () => {
      expect(await resolvePrincipal(db(), headers({ cookie: await sessionCookie(db(), "ghost") }))).toBeNull();
      expect(await resolvePrincipal(db(), headers({ cookie: `${COOKIE}=not-a-jwt` }))).toBeNull();
      expect(await resolvePrincipal(db(), headers({ cookie: "other=1" }))).toBeNull();
      const foreign = await encode({ token: { [SESSION_USER_CLAIM]: "alice" }, secret: "some-other-secret-0123456789", salt: COOKIE });
      expect(await resolvePrincipal(db(), headers({ cookie: `${COOKIE}=${foreign}` }))).toBeNull();
    });

    it("lets a bad token win over a good session cookie (401, not the cookie's user)", async () => {
      const cookie = await sessionCookie(db(), "alice");
      expect(await resolvePrincipal(db(), headers({ cookie, authorization: `Bearer ${generateToken()}` }))).toBeNull();
      expect((await resolvePrincipal(db(), headers({ cookie, authorization: `Bearer ${aliceToken}` })))?.via).toBe("token");
    });
  });
}
