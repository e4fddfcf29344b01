import type { Db } from "@/db/client";
import { findRole, listRoles } from "@/db/queries/roles";
import { latestUsage, topUsageSubjects, usageSeries, type UsagePoint, type UsageSampleRow } from "@/db/queries/usage";
import { deletedUsersById } from "@/db/queries/deleted-users";
import { findUserById } from "@/db/queries/users";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";
import type { Spawner } from "@/lib/spawner";
import { machineCapacity, type Capacity } from "./capacity";
import { bucketsOf, USAGE_RANGES, type UsageRange } from "./ranges";

/** One chart row: `t` is epoch ms; other keys are series (null = no sample, drawn as a gap). */
export type ChartRow = { t: number } & Record<string, number | null>;

interface TopUser {
  name: string;
  role: string;
  cpuPeak: number;
  memGbPeak: number;
  cpuUsedAvg: number;
  memGbUsedAvg: number;
  limits: Limits | null;
}

export interface AdminUsage {
  range: UsageRange;
  capacity: Capacity;
  roles: string[];
  /** Per row: `role:<name>` allocated by that role, `used` in total; CPU and memory. */
  cpu: ChartRow[];
  memGb: ChartRow[];
  topUsers: TopUser[];
  samples: number;
  /** The newest sample in total (the charts average over buckets), null before the first one. */
  latest: UsageSampleRow | null;
}

const roleKey = (role: string) => `role:${role}`;

function table(
  range: UsageRange,
  now: Date,
  points: UsagePoint[],
  columns: (p: UsagePoint) => Record<string, number>,
  empty: Record<string, number | null>,
): ChartRow[] {
  const rows = new Map<number, ChartRow>(bucketsOf(range, now).map((d) => [d.getTime(), { t: d.getTime(), ...empty }]));
  for (const p of points) {
    const row = rows.get(p.at.getTime());
    if (row) Object.assign(row, columns(p));
  }
  const out = [...rows.values()];
  // The newest bucket is still filling: a closing row at `now` gives it its width on a step chart
  // (otherwise the freshest samples sit on the chart's right edge, where they cannot be seen).
  const last = out.at(-1);
  if (last && last.t < now.getTime()) out.push({ ...last, t: now.getTime() });
  return out;
}

/** Allocation per role against the machine's capacity, use in total, and the biggest users against their quota. */
export async function adminUsageReport(db: Db, spawner: Spawner, range: UsageRange, now = new Date()): Promise<AdminUsage> {
  const { ms, bucketS } = USAGE_RANGES[range];
  const since = new Date(now.getTime() - ms);
  const [capacity, roles, byRole, total, top, latest] = await Promise.all([
    machineCapacity(spawner),
    listRoles(db),
    usageSeries(db, { scope: "role", since, bucketS }),
    usageSeries(db, { scope: "total", since, bucketS }),
    topUsageSubjects(db, { scope: "user", since, limit: 10 }),
    latestUsage(db, "total", "all"),
  ]);
  const roleNames = roles.map((r) => r.name);
  const empty = Object.fromEntries([...roleNames.map(roleKey), "used"].map((k) => [k, null]));
  const cpu = table(
    range,
    now,
    [...byRole, ...total],
    (p) => (p.subject === "all" ? { used: p.cpuUsed } : { [roleKey(p.subject)]: p.cpuAllocated }),
    empty,
  );
  const memGb = table(
    range,
    now,
    [...byRole, ...total],
    (p) => (p.subject === "all" ? { used: p.memGbUsed } : { [roleKey(p.subject)]: p.memGbAllocated }),
    empty,
  );
  const topUsers: TopUser[] = [];
  // Per-person samples are keyed by id: a deleted person is named from her record.
  const deleted = await deletedUsersById(
    db,
    top.map((t) => t.subject),
  );
  for (const t of top) {
    const user = await findUserById(db, t.subject);
    const role = user ? await findRole(db, user.role) : undefined;
    topUsers.push({
      name: user?.name ?? deleted.get(t.subject)?.name ?? t.subject,
      role: user?.role ?? "(deleted)",
      cpuPeak: t.cpuAllocated,
      memGbPeak: t.memGbAllocated,
      cpuUsedAvg: t.cpuUsed,
      memGbUsedAvg: t.memGbUsed,
      limits: user && role ? effectiveLimits(role, user.limits) : null,
    });
  }
  return { range, capacity, roles: roleNames, cpu, memGb, topUsers, samples: total.length, latest: latest ?? null };
}

export interface MyUsage {
  range: UsageRange;
  limits: Limits;
  /** cpuAllocated, cpuUsed, memGbAllocated, memGbUsed per bucket; 0 where nothing ran. */
  rows: ChartRow[];
}

/**
 * A person's own allocation and use over time, against their limits; by her id (undefined: nobody's, as
 * the bootstrap token is), so a person created again under a deleted one's name sees none of hers.
 */
export async function myUsageReport(
  db: Db,
  ownerId: string | undefined,
  limits: Limits,
  range: UsageRange,
  now = new Date(),
): Promise<MyUsage> {
  const { ms, bucketS } = USAGE_RANGES[range];
  const subjects = ownerId === undefined ? [] : [ownerId];
  const points = await usageSeries(db, { scope: "user", subjects, since: new Date(now.getTime() - ms), bucketS });
  const rows = table(
    range,
    now,
    points,
    (p) => ({ cpuAllocated: p.cpuAllocated, cpuUsed: p.cpuUsed, memGbAllocated: p.memGbAllocated, memGbUsed: p.memGbUsed }),
    { cpuAllocated: 0, cpuUsed: 0, memGbAllocated: 0, memGbUsed: 0 },
  );
  return { range, limits, rows };
}

/**
 * "My usage" on the home page: the last 24 hours, or the last hour minute by minute when nothing ran
 * before it. A workspace started a few minutes ago is a sliver one pixel wide at the 24-hour scale.
 */
export async function myRecentUsage(db: Db, ownerId: string | undefined, limits: Limits, now = new Date()): Promise<MyUsage> {
  const day = await myUsageReport(db, ownerId, limits, "24h", now);
  const first = day.rows.find((r) => (r.cpuAllocated ?? 0) > 0 || (r.memGbAllocated ?? 0) > 0);
  if (!first || first.t < now.getTime() - USAGE_RANGES["1h"].ms) return day;
  return myUsageReport(db, ownerId, limits, "1h", now);
}
