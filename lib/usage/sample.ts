import type { Db } from "@/db/client";
import { listRoles } from "@/db/queries/roles";
import { deleteUsageBefore, insertUsageSamples, rolesOfUsers, type UsageSampleRow } from "@/db/queries/usage";
import type { UsageScope } from "@/db/schema";
import { executionRef } from "@/lib/jobs/workload";
import { listHoldings, type Holding } from "@/lib/quota/holdings";
import type { Spawner, WorkloadRef } from "@/lib/spawner";
import { workspaceRef } from "@/lib/workspaces/workload";
import { liveReadings } from "./live-readings";
import { refKey, sampleLiveUse, type LiveUse } from "./sample-stats";

const GIB = 1024 ** 3;
export const USAGE_RETENTION_DAYS = 14;

type Totals = Omit<UsageSampleRow, "at" | "scope" | "subject">;
const zero = (): Totals => ({ cpuAllocated: 0, memGbAllocated: 0, cpuUsed: 0, memGbUsed: 0, servers: 0 });

/** Samples are stamped on the whole minute, so two readings in one minute collide and only one is kept. */
const minuteOf = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

function add(into: Map<string, Totals>, key: string, h: Holding, use: LiveUse | undefined): void {
  const t = into.get(key) ?? zero();
  t.cpuAllocated += h.cpu;
  t.memGbAllocated += h.memGb;
  t.cpuUsed += use?.cpu ?? 0;
  t.memGbUsed += (use?.memBytes ?? 0) / GIB;
  if (h.kind === "server") t.servers += 1;
  into.set(key, t);
}

/** The workload a holding is: a server's container, or a running job execution's. */
const workloadOf = (h: Holding): WorkloadRef =>
  h.kind === "job" && h.executionId !== null ? executionRef(h.executionId) : workspaceRef({ user: h.ownerName, server: h.name });

/**
 * Records one minute of usage from the holdings ledger (lib/quota/holdings.ts): per person (by id, only
 * people holding something), per role (every role, zeros included, so charts have no gaps) and in total.
 * Allocated is what active servers and running job executions were given (`servers` counts servers
 * only); used is one engine reading of each running server and job execution, kept in the process too for
 * the pages that show live use (lib/usage/live-readings.ts). Rows older than the retention window are deleted.
 */
export async function recordUsageSample(
  db: Db,
  spawner: Spawner,
  opts: { now?: Date; retentionDays?: number } = {},
): Promise<{ rows: number; deleted: number }> {
  const now = opts.now ?? new Date();
  const at = minuteOf(now);
  const held = await listHoldings(db);
  const [uses, roleOf, roles] = await Promise.all([
    sampleLiveUse(spawner, held.filter((h) => h.running).map(workloadOf)),
    rolesOfUsers(db, [...new Set(held.map((h) => h.ownerId))]),
    listRoles(db),
  ]);
  liveReadings(spawner).record(uses, Date.now());
  const byScope: Record<UsageScope, Map<string, Totals>> = {
    user: new Map(),
    role: new Map(roles.map((r) => [r.name, zero()])),
    total: new Map([["all", zero()]]),
  };
  for (const h of held) {
    const use = h.running ? uses.get(refKey(workloadOf(h))) : undefined;
    add(byScope.user, h.ownerId, h, use);
    add(byScope.role, roleOf.get(h.ownerId) ?? "user", h, use);
    add(byScope.total, "all", h, use);
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
