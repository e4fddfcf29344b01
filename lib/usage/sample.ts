import type { Db } from "@/db/client";
import { listRoles } from "@/db/queries/roles";
import { ACTIVE_STATES, listServersIn, type ServerRow } from "@/db/queries/servers";
import { deleteUsageBefore, insertUsageSamples, rolesOfUsers, type UsageSampleRow } from "@/db/queries/usage";
import type { UsageScope } from "@/db/schema";
import type { Spawner } from "@/lib/spawner";
import { liveUseOf, sampleLiveUse, type LiveUse } from "./sample-stats";

const GIB = 1024 ** 3;
export const USAGE_RETENTION_DAYS = 14;

type Totals = Omit<UsageSampleRow, "at" | "scope" | "subject">;
const zero = (): Totals => ({ cpuAllocated: 0, memGbAllocated: 0, cpuUsed: 0, memGbUsed: 0, servers: 0 });

/** Samples are stamped on the whole minute, so two readings in one minute collide and only one is kept. */
export const minuteOf = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

function add(into: Map<string, Totals>, key: string, s: ServerRow, use: LiveUse | undefined): void {
  const t = into.get(key) ?? zero();
  t.cpuAllocated += s.cpu;
  t.memGbAllocated += s.memGb;
  t.cpuUsed += use?.cpu ?? 0;
  t.memGbUsed += (use?.memBytes ?? 0) / GIB;
  t.servers += 1;
  into.set(key, t);
}

/**
 * Records one minute of usage: per person (only people holding servers), per role (every role, zeros
 * included, so charts have no gaps) and in total. Allocated is what active servers were given; used
 * is one engine reading of the running ones. Rows older than the retention window are deleted.
 */
export async function recordUsageSample(
  db: Db,
  spawner: Spawner,
  opts: { now?: Date; retentionDays?: number } = {},
): Promise<{ rows: number; deleted: number }> {
  const now = opts.now ?? new Date();
  const at = minuteOf(now);
  const servers = await listServersIn(db, ACTIVE_STATES);
  const [uses, roleOf, roles] = await Promise.all([
    sampleLiveUse(spawner, servers),
    rolesOfUsers(db, [...new Set(servers.map((s) => s.userName))]),
    listRoles(db),
  ]);
  const byScope: Record<UsageScope, Map<string, Totals>> = {
    user: new Map(),
    role: new Map(roles.map((r) => [r.name, zero()])),
    total: new Map([["all", zero()]]),
  };
  for (const s of servers) {
    const use = liveUseOf(uses, s);
    add(byScope.user, s.userName, s, use);
    add(byScope.role, roleOf.get(s.userName) ?? "user", s, use);
    add(byScope.total, "all", s, use);
  }
  const rows: UsageSampleRow[] = [];
  for (const scope of ["user", "role", "total"] as const) {
    for (const [subject, t] of byScope[scope]) rows.push({ at, scope, subject, ...t });
  }
  const retentionMs = (opts.retentionDays ?? USAGE_RETENTION_DAYS) * 86_400_000;
  return db.transaction(async (tx) => {
    await insertUsageSamples(tx, rows);
    const deleted = await deleteUsageBefore(tx, new Date(now.getTime() - retentionMs));
    return { rows: rows.length, deleted };
  });
}
