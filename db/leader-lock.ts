import postgres from "postgres";

/**
 * The session-level advisory lock that makes one portal replica the leader (the one running the
 * background loops). Two int4 keys, so pg_locks shows them as classid/objid with objsubid = 2;
 * 0x41545249 is "ATRI". Advisory locks are per database, so portals on different databases never
 * compete.
 */
const LEADER_LOCK_KEYS = [0x41545249, 1] as const;

export interface LeaderLockSession {
  /** Takes the lock when it is free. True when this session holds it (just now or already). */
  tryAcquire(): Promise<boolean>;
  /** Whether this session's connection holds the lock right now. */
  holds(): Promise<boolean>;
  /** Ends the connection, which releases the lock at once. */
  close(): Promise<void>;
}

/**
 * One dedicated connection for the lock. A session lock lives exactly as long as its connection, so
 * the connection is never recycled (postgres.js otherwise closes connections after 30–60 minutes and
 * would silently drop the lock), and when the process dies the server ends the session and the lock
 * is free for the next replica.
 */
export function openLeaderLockSession(
  databaseUrl: string,
  applicationName = "atrium-leader",
  /** Called when the connection closes: whatever it held is gone (postgres.js would reconnect quietly). */
  onClosed: () => void = () => {},
): LeaderLockSession {
  const sql = postgres(databaseUrl, {
    max: 1,
    max_lifetime: null,
    idle_timeout: 0,
    connect_timeout: 5,
    onnotice: () => {},
    onclose: () => onClosed(),
    connection: { application_name: applicationName },
  });
  const [k1, k2] = LEADER_LOCK_KEYS;
  const holds = async (): Promise<boolean> => {
    const rows = await sql<{ held: boolean }[]>`
      select exists (
        select 1 from pg_locks
        where locktype = 'advisory' and classid = ${k1} and objid = ${k2} and objsubid = 2
          and pid = pg_backend_pid() and granted
      ) as held`;
    return rows[0]?.held === true;
  };
  return {
    holds,
    async tryAcquire() {
      // Checked first: the lock is re-entrant, and taking it again on every retry would stack up holds.
      if (await holds()) return true;
      const rows = await sql<{ got: boolean }[]>`select pg_try_advisory_lock(${k1}::int4, ${k2}::int4) as got`;
      return rows[0]?.got === true;
    },
    close: () => sql.end({ timeout: 1 }),
  };
}
