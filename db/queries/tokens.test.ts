import { withOwnerId } from "@/db/server-fixture";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { apiTokens, auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { deleteToken, findTokenByHash, insertToken, listTokens, touchTokenLastUsed } from "./tokens";
import { deleteUser, findUser, insertUser } from "./users";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
      await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
      await insertUser(db(), { name: "bob", role: "user", roleSource: "oidc" });
    });
    const idOf = async (name: string) => (await findUser(db(), name))?.id ?? "";

    const token = async (
      id: string,
      userName: string,
      extra: Partial<{ kind: "personal" | "workspace"; note: string | null; expiresAt: Date | null }> = {},
    ) =>
      insertToken(
        db(),
        await withOwnerId(db(), {
          id,
          userName,
          hash: `hash-${id}`,
          kind: extra.kind ?? "personal",
          note: extra.note ?? null,
          expiresAt: extra.expiresAt ?? null,
        }),
      );

    it("inserts a token and returns the stored row", async () => {
      const expiresAt = new Date("2031-05-06T07:08:09.123Z");
      const row = await token("tok_a1", "alice", { note: "ci", expiresAt });
      expect(row).toMatchObject({
        id: "tok_a1",
        userName: "alice",
        hash: "hash-tok_a1",
        kind: "personal",
        note: "ci",
        lastUsedAt: null,
        expiresAt,
      });
      expect(row.createdAt).toBeInstanceOf(Date);
    });

    it("stores scopes as given, and none when the insert names none", async () => {
      const row = await insertToken(
        db(),
        await withOwnerId(db(), {
          id: "tok_s1",
          userName: "alice",
          hash: "hash-s1",
          kind: "personal",
          note: null,
          scopes: ["mlflow", "packages:read"],
          expiresAt: null,
        }),
      );
      expect(row.scopes).toEqual(["mlflow", "packages:read"]);
      expect((await findTokenByHash(db(), "hash-s1"))?.scopes).toEqual(["mlflow", "packages:read"]);
      expect((await token("tok_s2", "alice")).scopes).toEqual([]);
    });

    it("the token_scopes migration gives old tokens what they could do before: the account, admin for admins, a workspace's set", async () => {
      // The rows as they were before the migration (scopes empty); then its UPDATE statements run again.
      await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
      await token("tok_alice", "alice");
      await token("tok_root", "root");
      await token("tok_ws", "alice", { kind: "workspace" });
      await token("tok_root_ws", "root", { kind: "workspace" });
      const dir = path.join(process.cwd(), "db", "migrations");
      const file = readdirSync(dir).find((f) => /^\d+_token_scopes\.sql$/.test(f));
      const updates = readFileSync(path.join(dir, file ?? "missing"), "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.replace(/^--.*$/gm, "").trim())
        .filter((s) => s.startsWith("UPDATE"));
      expect(updates).toHaveLength(3);
      for (const statement of updates) await db().execute(sql.raw(statement));
      const rows = await db().select({ id: apiTokens.id, scopes: apiTokens.scopes }).from(apiTokens).orderBy(apiTokens.id);
      expect(rows).toEqual([
        { id: "tok_alice", scopes: ["account"] },
        { id: "tok_root", scopes: ["account", "admin"] },
        { id: "tok_root_ws", scopes: ["mlflow", "packages:read", "servers:install"] },
        { id: "tok_ws", scopes: ["mlflow", "packages:read", "servers:install"] },
      ]);
    });

    it("refuses a token for an unknown user", async () => {
      await expect(token("tok_x", "nobody")).rejects.toThrow();
      expect(await findTokenByHash(db(), "hash-tok_x")).toBeUndefined();
    });

    it("refuses a second token with the same hash", async () => {
      await token("tok_a1", "alice");
      await expect(
        insertToken(
          db(),
          await withOwnerId(db(), { id: "tok_a2", userName: "bob", hash: "hash-tok_a1", kind: "personal", note: null, expiresAt: null }),
        ),
      ).rejects.toThrow();
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.id).toBe("tok_a1");
    });

    it("finds a token by its hash", async () => {
      const row = await token("tok_a1", "alice", { kind: "workspace" });
      await token("tok_b1", "bob");
      expect(await findTokenByHash(db(), "hash-tok_a1")).toStrictEqual(row);
      expect((await findTokenByHash(db(), "hash-tok_b1"))?.userName).toBe("bob");
      expect(await findTokenByHash(db(), "tok_a1")).toBeUndefined();
      expect(await findTokenByHash(db(), "nope")).toBeUndefined();
    });

    it("lists one owner's tokens of one kind, newest first", async () => {
      await token("tok_a1", "alice", { note: "first" });
      await sleep(5);
      await token("tok_a2", "alice", { note: "second" });
      await sleep(5);
      await token("tok_w1", "alice", { kind: "workspace" });
      await token("tok_b1", "bob");
      expect((await listTokens(db(), await idOf("alice"))).map((t) => t.id)).toEqual(["tok_a2", "tok_a1"]);
      expect((await listTokens(db(), await idOf("alice"), "personal")).map((t) => t.id)).toEqual(["tok_a2", "tok_a1"]);
      expect((await listTokens(db(), await idOf("alice"), "workspace")).map((t) => t.id)).toEqual(["tok_w1"]);
      expect((await listTokens(db(), await idOf("bob"))).map((t) => t.id)).toEqual(["tok_b1"]);
      expect(await listTokens(db(), "no-such-id")).toEqual([]);
    });

    it("deletes a token only for its owner", async () => {
      await token("tok_a1", "alice");
      expect(await deleteToken(db(), await idOf("bob"), "tok_a1")).toBe(false);
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.id).toBe("tok_a1");
      expect(await deleteToken(db(), await idOf("alice"), "tok_a1")).toBe(true);
      expect(await findTokenByHash(db(), "hash-tok_a1")).toBeUndefined();
      expect(await deleteToken(db(), await idOf("alice"), "tok_a1")).toBe(false);
    });

    it("records last use at most once a minute", async () => {
      await token("tok_a1", "alice");
      await token("tok_a2", "alice");
      const t0 = new Date("2030-01-01T00:00:00.000Z");
      await touchTokenLastUsed(db(), "tok_a1", t0);
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.lastUsedAt).toEqual(t0);
      expect((await findTokenByHash(db(), "hash-tok_a2"))?.lastUsedAt).toBeNull();

      await touchTokenLastUsed(db(), "tok_a1", new Date(t0.getTime() + 30_000));
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.lastUsedAt).toEqual(t0);
      await touchTokenLastUsed(db(), "tok_a1", new Date(t0.getTime() + 60_000));
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.lastUsedAt).toEqual(t0);

      const t1 = new Date(t0.getTime() + 61_000);
      await touchTokenLastUsed(db(), "tok_a1", t1);
      expect((await findTokenByHash(db(), "hash-tok_a1"))?.lastUsedAt).toEqual(t1);
    });

    it("defaults last use to now", async () => {
      await token("tok_a1", "alice");
      const before = Date.now();
      await touchTokenLastUsed(db(), "tok_a1");
      const used = (await findTokenByHash(db(), "hash-tok_a1"))?.lastUsedAt;
      expect(used).toBeInstanceOf(Date);
      expect(used!.getTime()).toBeGreaterThanOrEqual(before);
      expect(used!.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it("deletes a user's tokens with the user", async () => {
      await token("tok_a1", "alice");
      await token("tok_w1", "alice", { kind: "workspace" });
      await token("tok_b1", "bob");
      expect(await deleteUser(db(), "alice")).toBe(true);
      expect(await findTokenByHash(db(), "hash-tok_a1")).toBeUndefined();
      expect(await findTokenByHash(db(), "hash-tok_w1")).toBeUndefined();
      const left = await db().select({ id: apiTokens.id }).from(apiTokens);
      expect(left).toEqual([{ id: "tok_b1" }]);
    });
  });
}
