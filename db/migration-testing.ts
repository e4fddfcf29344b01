/** For tests of one migration's backfill: a database migrated up to just before it, then to the end. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { Db } from "./client";
import { TEST_DATABASE_URL } from "./testing";

export const MIGRATIONS = path.join(process.cwd(), "db", "migrations");

/** A copy of the migrations folder that stops just before the migration whose tag ends with `tagSuffix`. */
export function migrationsBefore(tagSuffix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalPath = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
  if (at <= 0) throw new Error(`no migration ending with ${tagSuffix} after the first`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

export interface MigratingDb {
  db: Db;
  migrate: (folder: string) => Promise<void>;
  close: () => Promise<void>;
}

/** An empty database (Postgres at TEST_DATABASE_URL, dropped first, or an in-memory PGlite) with no migration applied. */
export async function openEmpty(kind: "pglite" | "postgres"): Promise<MigratingDb> {
  if (kind === "postgres") {
    const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
    await admin.end({ timeout: 1 });
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    const client = postgres(TEST_DATABASE_URL, { max: 2, onnotice: () => {} });
    const db = drizzle(client);
    return {
      db: db as unknown as Db,
      migrate: (folder) => migrate(db, { migrationsFolder: folder }),
      close: () => client.end({ timeout: 1 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = new PGlite();
  const db = drizzle(client);
  return { db: db as unknown as Db, migrate: (folder) => migrate(db, { migrationsFolder: folder }), close: () => client.close() };
}

/** The rows of a raw `db.execute` on either driver (postgres.js answers an array, PGlite `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  const r = result as { rows?: unknown[] } | unknown[];
  return (Array.isArray(r) ? r : (r.rows ?? [])) as T[];
}
