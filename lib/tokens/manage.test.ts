import { withOwnerId } from "@/db/server-fixture";
import { beforeEach, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { findTokenByHash, insertToken } from "@/db/queries/tokens";
import { insertUser } from "@/db/queries/users";
import { apiTokens, auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { hashToken } from "@/lib/auth/tokens";
import { apiError } from "@/lib/http/testing";
import { DEFAULT_SCOPES, expandScopes } from "@/lib/auth/scopes";
import { bootstrap, person, tokenCaller as token } from "@/lib/auth/testing";
import { createApiToken, listApiTokens } from "@/lib/users/tokens";
import { insertApiToken, revokeApiToken, scopesToGrant, tokenView } from "./manage";

const DAY_MS = 86_400_000;
const alice: Principal = { name: "alice", role: "user", admin: false, via: "session" };
const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };

describe("scopesToGrant", () => {
  it("names the first unknown scope in a 400 and refuses an empty list", async () => {
    const err = await apiError(() => scopesToGrant(person, ["mlflow", "Mlflow"], false));
    expect([err.status, err.code]).toEqual([400, "invalid_scope"]);
    expect(err.message).toMatch(/^There is no scope "Mlflow"; the scopes are admin, account, .*\.$/);
    expect((await apiError(() => scopesToGrant(person, [], false))).status).toBe(400);
  });

  it("keeps the names as asked, without duplicates", async () => {
    expect(scopesToGrant(person, ["servers", "mlflow", "servers"], false)).toEqual(["servers", "mlflow"]);
  });

  it("gives admin only to an admin's token", async () => {
    expect((await apiError(() => scopesToGrant(bootstrap, ["admin"], false))).code).toBe("forbidden");
    expect(scopesToGrant(bootstrap, ["admin"], true)).toEqual(["admin"]);
  });

  it("lets a token grant only what it holds, judged after implications", async () => {
    const maker = token(["tokens", "servers"]);
    expect(scopesToGrant(maker, ["servers:install"], false)).toEqual(["servers:install"]);
    expect(scopesToGrant(maker, ["servers"], false)).toEqual(["servers"]);
    const err = await apiError(() => scopesToGrant(maker, ["account"], false));
    expect([err.status, err.code]).toEqual([403, "insufficient_scope"]);
    expect(err.message).toBe('This token cannot grant the "account" scope: it does not have it itself.');
    expect((await apiError(() => scopesToGrant(token(["account"]), ["admin"], true))).message).toContain('"admin"');
  });
});

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
      await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
      await insertUser(db(), { name: "bob", role: "user", roleSource: "oidc" });
      await bindIds(db(), alice, root);
    });
    const aliceRow = () => ({ name: "alice", id: alice.userId ?? "" });

    const audit = () =>
      db()
        .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target, detail: auditEvents.detail })
        .from(auditEvents)
        .orderBy(asc(auditEvents.id));

    describe("createApiToken", () => {
      it("returns the token once and stores only its hash", async () => {
        const created = await createApiToken(db(), alice, "alice", { note: "laptop" });
        expect(created.id).toMatch(/^tok_[A-Za-z0-9_-]{12}$/);
        expect(created.token).toMatch(/^atr_[A-Za-z0-9_-]{43}$/);
        expect(created.expiresAt).toBeNull();

        const rows = await db().select().from(apiTokens);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          id: created.id,
          userName: "alice",
          hash: hashToken(created.token),
          kind: "personal",
          note: "laptop",
          expiresAt: null,
        });
        const secret = created.token.slice("atr_".length);
        expect(JSON.stringify(rows)).not.toContain(secret);
        for (const value of Object.values(rows[0] ?? {})) expect(String(value)).not.toContain(secret);
        expect(JSON.stringify(await db().select().from(auditEvents))).not.toContain(secret);
      });

      it("makes a token that resolves by its hash", async () => {
        const created = await createApiToken(db(), alice, "alice", {});
        expect((await findTokenByHash(db(), hashToken(created.token)))?.id).toBe(created.id);
        expect(await findTokenByHash(db(), created.token)).toBeUndefined();
      });

      it("sets the expiry from expiresInDays", async () => {
        const before = Date.now();
        const created = await createApiToken(db(), alice, "alice", { expiresInDays: 30 });
        const after = Date.now();
        expect(created.expiresAt).not.toBeNull();
        const at = new Date(created.expiresAt ?? "").getTime();
        expect(at).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
        expect(at).toBeLessThanOrEqual(after + 30 * DAY_MS);
        const row = await findTokenByHash(db(), hashToken(created.token));
        expect(row?.expiresAt?.toISOString()).toBe(created.expiresAt);
      });

      it("stores the kind, and a workspace token gets the workspace's scopes", async () => {
        const created = await db().transaction((tx) => insertApiToken(tx, root, aliceRow(), { kind: "workspace" }));
        expect(await findTokenByHash(db(), hashToken(created.token))).toMatchObject({
          kind: "workspace",
          scopes: ["mlflow", "packages:read", "servers:install"],
        });
        expect(DEFAULT_SCOPES.workspace).toEqual(["mlflow", "packages:read", "servers:install"]);
      });

      it("records the creation without the token", async () => {
        const created = await createApiToken(db(), root, "alice", { note: "ci", expiresInDays: 1 });
        expect(await audit()).toEqual([
          {
            actor: "root",
            action: "token.create",
            target: "alice",
            detail: { id: created.id, kind: "personal", note: "ci", scopes: ["account"], expiresAt: created.expiresAt },
          },
        ]);
      });

      it("answers 404 for an unknown user and stores nothing", async () => {
        const err = await apiError(createApiToken(db(), root, "nobody", {}));
        expect(err.status).toBe(404);
        expect(err.code).toBe("user_not_found");
        expect(await db().select().from(apiTokens)).toEqual([]);
        expect(await audit()).toEqual([]);
      });

      it("makes a different token every time", async () => {
        const a = await createApiToken(db(), alice, "alice", {});
        const b = await createApiToken(db(), alice, "alice", {});
        expect(a.token).not.toBe(b.token);
        expect(a.id).not.toBe(b.id);
      });
    });

    describe("scopes at creation", () => {
      const scopesOf = async (token: string) => (await findTokenByHash(db(), hashToken(token)))?.scopes;

      it("defaults to the whole account and stores what was asked, once each", async () => {
        const plain = await createApiToken(db(), alice, "alice", {});
        expect([plain.scopes, await scopesOf(plain.token)]).toEqual([["account"], ["account"]]);
        const picked = await createApiToken(db(), alice, "alice", { scopes: ["mlflow", "packages:read", "mlflow"] });
        expect(await scopesOf(picked.token)).toEqual(["mlflow", "packages:read"]);
      });

      it("answers 400 naming an unknown scope, and 400 for none, storing nothing", async () => {
        const err = await apiError(createApiToken(db(), alice, "alice", { scopes: ["mlflow", "root:everything"] }));
        expect([err.status, err.code]).toEqual([400, "invalid_scope"]);
        expect(err.message).toContain('"root:everything"');
        expect((await apiError(createApiToken(db(), alice, "alice", { scopes: [] }))).status).toBe(400);
        expect(await db().select().from(apiTokens)).toEqual([]);
        expect(await audit()).toEqual([]);
      });

      it("gives the admin scope only to an admin's token", async () => {
        expect((await apiError(createApiToken(db(), root, "alice", { scopes: ["admin"] }))).status).toBe(403);
        await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
        expect((await createApiToken(db(), root, "root", { scopes: ["admin"] })).scopes).toEqual(["admin"]);
      });

      it("lets a token pass on only the scopes it has itself", async () => {
        const viaToken: Principal = {
          name: "alice",
          userId: alice.userId,
          role: "user",
          admin: false,
          via: "token",
          tokenId: "tok_maker",
          tokenKind: "personal",
          scopes: expandScopes(["tokens", "mlflow"]),
        };
        expect((await createApiToken(db(), viaToken, "alice", { scopes: ["mlflow"] })).scopes).toEqual(["mlflow"]);
        for (const scopes of [["account"], ["servers"], ["mlflow", "workspaces:access"], undefined]) {
          const err = await apiError(createApiToken(db(), viaToken, "alice", { scopes }));
          expect([err.status, err.code], String(scopes)).toEqual([403, "insufficient_scope"]);
        }
        const full: Principal = { ...viaToken, scopes: expandScopes(["account"]) };
        expect((await createApiToken(db(), full, "alice", { scopes: ["servers", "tokens"] })).scopes).toEqual(["servers", "tokens"]);
        expect((await apiError(createApiToken(db(), full, "alice", { scopes: ["admin"] }))).status).toBe(403);
      });
    });

    describe("listApiTokens", () => {
      it("lists a user's personal tokens as views", async () => {
        const created = await createApiToken(db(), alice, "alice", { note: "laptop", expiresInDays: 7 });
        await insertApiToken(db(), alice, aliceRow(), { kind: "workspace" });
        await createApiToken(db(), root, "bob", {});
        const list = await listApiTokens(db(), "alice");
        expect(list).toHaveLength(1);
        expect(list[0]).toMatchObject({ id: created.id, note: "laptop", lastUsedAt: null, expiresAt: created.expiresAt, expired: false });
        expect(Object.keys(list[0] ?? {}).sort()).toEqual(["createdAt", "expired", "expiresAt", "id", "lastUsedAt", "note", "scopes"]);
        expect(list[0]?.scopes).toEqual(["account"]);
      });

      it("marks expired tokens", async () => {
        await insertToken(
          db(),
          await withOwnerId(db(), {
            id: "tok_old",
            userName: "alice",
            hash: "h-old",
            kind: "personal",
            note: null,
            expiresAt: new Date(Date.now() - 1000),
          }),
        );
        expect((await listApiTokens(db(), "alice"))[0]?.expired).toBe(true);
      });

      it("answers 404 for an unknown user", async () => {
        expect((await apiError(listApiTokens(db(), "nobody"))).status).toBe(404);
      });

      it("tokenView never exposes the hash", () => {
        const v = tokenView({
          id: "tok_x",
          userName: "alice",
          ownerId: "id-alice",
          hash: "secret-hash",
          kind: "personal",
          note: null,
          scopes: ["mlflow"],
          createdAt: new Date("2030-01-01T00:00:00Z"),
          lastUsedAt: null,
          expiresAt: null,
        });
        expect(v).toStrictEqual({
          id: "tok_x",
          note: null,
          scopes: ["mlflow"],
          createdAt: "2030-01-01T00:00:00.000Z",
          lastUsedAt: null,
          expiresAt: null,
          expired: false,
        });
      });
    });

    describe("revokeApiToken", () => {
      it("revokes one's own token and records it", async () => {
        const created = await createApiToken(db(), alice, "alice", {});
        await revokeApiToken(db(), alice, "alice", created.id);
        expect(await findTokenByHash(db(), hashToken(created.token))).toBeUndefined();
        expect((await audit()).at(-1)).toEqual({ actor: "alice", action: "token.revoke", target: "alice", detail: { id: created.id } });
      });

      it("answers 404 for another user's token id and keeps the token", async () => {
        const bobs = await createApiToken(db(), root, "bob", {});
        const err = await apiError(revokeApiToken(db(), alice, "alice", bobs.id));
        expect(err.status).toBe(404);
        expect(err.code).toBe("token_not_found");
        expect(err.message).toBe(`There is no token "${bobs.id}" for alice.`);
        expect((await findTokenByHash(db(), hashToken(bobs.token)))?.id).toBe(bobs.id);
        expect((await audit()).map((a) => a.action)).toEqual(["token.create"]);
      });

      it("answers 404 for an unknown id", async () => {
        expect((await apiError(revokeApiToken(db(), alice, "alice", "tok_nope"))).code).toBe("token_not_found");
      });
    });
  });
}
