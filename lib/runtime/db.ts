import type { Db, DbHandle } from "@/db/client";
import { runtime } from "./context";

/** The process's database (lib/runtime/context.ts): one connection pool, and PGlite's one opener per directory. */
export function getDbHandle(): Promise<DbHandle> {
  return runtime.database();
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export function closeDb(): Promise<void> {
  return runtime.closeDatabase();
}
