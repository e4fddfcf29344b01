import postgres from "postgres";
import { openDatabase, type DbHandle } from "./client";
import { seedDatabase } from "./seed";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_test";

/** Drops everything in the test database so migrations run from scratch. */
async function resetPostgres(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Whether Postgres can be used; in CI its absence is an error, locally a printed reason to skip. */
export async function postgresAvailable(): Promise<boolean> {
  try {
    await resetPostgres(TEST_DATABASE_URL);
    return true;
  } catch (err) {
    if (process.env.CI)
      throw new Error(`Postgres is required in CI but ${TEST_DATABASE_URL} is not usable: ${String(err)}`, { cause: err });
    console.warn(`[test] skipping Postgres suites: ${TEST_DATABASE_URL} is not usable (${String(err)})`);
    return false;
  }
}

/** A fresh, migrated and seeded database of the given kind. */
export async function openTestDatabase(kind: "pglite" | "postgres"): Promise<DbHandle> {
  if (kind === "postgres") await resetPostgres(TEST_DATABASE_URL);
  const handle = await openDatabase(kind === "postgres" ? { databaseUrl: TEST_DATABASE_URL, dataDir: "" } : { dataDir: "memory://" });
  await seedDatabase(handle.db);
  return handle;
}

export const DB_KINDS = ["pglite", "postgres"] as const;
