/**
 * The migration that gives people ids and stored home volumes, applied to a database that already
 * has people: each gets a distinct random id and keeps the volume she has been using
 * (atrium-home-<name>), so no one loses files; people created afterwards get atrium-home-<id>.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import type { Db } from "./client";
import { insertUser } from "./queries/users";
import { DB_KINDS, TEST_DATABASE_URL, postgresAvailable } from "./testing";

const MIGRATIONS = path.join(process.cwd(), "db", "migrations");

/** A copy of the migrations folder that stops just before the user-ids migration. */
function migrationsBeforeUserIds(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalPath = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag.endsWith("_sessions_user_ids"));
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

async function open(kind: "pglite" | "postgres"): Promise<{ db: Db; migrate: (folder: string) => Promise<void>; close: () => Promise<void> }> {
  if (kind === "postgres") {
    const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
    await admin.end({ timeout: 1 });
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    const client = postgres(TEST_DATABASE_URL, { max: 2, onnotice: () => {} });
    const db = drizzle(client);
    return { db: db as unknown as Db, migrate: (folder) => migrate(db, { migrationsFolder: folder }), close: () => client.end({ timeout: 1 }) };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = new PGlite();
  const db = drizzle(client);
  return { db: db as unknown as Db, migrate: (folder) => migrate(db, { migrationsFolder: folder }), close: () => client.close() };
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("gives existing people distinct ids and keeps their atrium-home-<name> volumes", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await open(kind);
      try {
        await h.migrate(migrationsBeforeUserIds());
        await h.db.execute(sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 1, 2, 4)`);
        await h.db.execute(sql`insert into users (name, role) values ('alice', 'user'), ('jane.doe', 'user')`);
        await h.migrate(MIGRATIONS);
        const rows = (await h.db.execute(sql`select name, id, home_volume from users order by name`)) as unknown as { rows?: unknown[] } | unknown[];
        const list = (Array.isArray(rows) ? rows : (rows.rows ?? [])) as { name: string; id: string; home_volume: string }[];
        expect(list.map((r) => [r.name, r.home_volume])).toEqual([
          ["alice", "atrium-home-alice"],
          ["jane.doe", "atrium-home-jane.doe"],
        ]);
        for (const r of list) expect(r.id).toMatch(/^[0-9a-f]{32}$/);
        expect(list[0]?.id).not.toBe(list[1]?.id);
        const bob = await insertUser(h.db, { name: "bob", role: "user", roleSource: "admin" });
        expect(bob?.homeVolume).toBe(`atrium-home-${bob?.id}`);
      } finally {
        await h.close();
      }
    });
  });
}
