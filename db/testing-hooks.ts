import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Db, DbHandle } from "./client";
import { TEST_DATABASE_URL, openTestDatabase, postgresAvailable } from "./testing";

/**
 * Opens a fresh database of this kind for the enclosing describe and closes it after. Without
 * Postgres the tests skip with the reason locally; in CI postgresAvailable() throws, so they fail.
 */
export function useTestDatabase(kind: "pglite" | "postgres"): (() => Db) & { ready: () => boolean } {
  let handle: DbHandle | undefined;
  let skipReason: string | undefined;
  beforeAll(async () => {
    if (kind === "postgres" && !(await postgresAvailable())) {
      skipReason = `Postgres at ${TEST_DATABASE_URL} is not usable`;
      return;
    }
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach((ctx) => {
    if (skipReason) ctx.skip(skipReason);
  });
  const db = () => {
    if (!handle) throw new Error("database not open");
    return handle.db;
  };
  /** For nested beforeAll hooks, which run even when the suite is being skipped. */
  return Object.assign(db, { ready: () => handle !== undefined });
}
