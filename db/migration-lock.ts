import postgres from "postgres";

/** Advisory lock keys for "migrations are being applied": the leader lock's first key, second 2. */
const MIGRATION_LOCK_KEYS = [0x41545249, 2] as const;

/**
 * Runs `fn` (drizzle's migrate) while holding a session advisory lock on a connection of its own.
 * Portal replicas starting together on a fresh database would otherwise both find the migrations
 * unapplied and both run them, and one would die on "relation already exists". The second waits
 * here, then finds nothing left to apply.
 */
export async function withMigrationLock<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const sql = postgres(databaseUrl, { max: 1, max_lifetime: null, idle_timeout: 0, connect_timeout: 10, onnotice: () => {} });
  try {
    const [k1, k2] = MIGRATION_LOCK_KEYS;
    await sql`select pg_advisory_lock(${k1}::int4, ${k2}::int4)`;
    return await fn();
  } finally {
    // Ending the session releases the lock.
    await sql.end({ timeout: 2 });
  }
}
