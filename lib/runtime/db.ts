import { openDatabase, type Db, type DbHandle } from "@/db/client";
import { seedDatabase } from "@/db/seed";
import { getConfig } from "@/lib/config";

// server.ts and Next's route bundles are separate module graphs in one process; the handle lives on
// globalThis so both use one connection pool (and PGlite, which allows one opener per directory).
const holder = globalThis as typeof globalThis & { __atriumDb?: Promise<DbHandle> };

export function getDbHandle(): Promise<DbHandle> {
  holder.__atriumDb ??= (async () => {
    const config = getConfig();
    const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    await seedDatabase(handle.db);
    return handle;
  })();
  return holder.__atriumDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function closeDb(): Promise<void> {
  const pending = holder.__atriumDb;
  holder.__atriumDb = undefined;
  if (pending) await (await pending).close();
}
