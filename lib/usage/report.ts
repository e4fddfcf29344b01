import type { Db } from "@/db/client";
import { findRole, listRoles } from "@/db/queries/roles";
import { latestUsage, topUsageSubjects, usageSeries, type UsagePoint, type UsageSampleRow } from "@/db/queries/usage";
import { findUser } from "@/db/queries/users";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";
import type { Spawner } from "@/lib/spawner";
import { machineCapacity, type Capacity } from "./capacity";
import { bucketsOf, USAGE_RANGES, type UsageRange } from "./ranges";

/** One chart row: `t` is epoch ms; other keys are series (null = no sample, drawn as a gap). */
export type ChartRow = { t: number } & Record<string, number | null>;

export interface TopUser {
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

function table(range: UsageRange, now: Date, points: UsagePoint[], columns: (p: UsagePoint) => Record<string, number>, empty: Record<string, number | null>): ChartRow[] {
  const rows = new Map<number, ChartRow>(bucketsOf(range, now).map((d) => [d.getTime(), { t: d.getTime(), ...empty }]));
  for (const p of points) {
    const row = rows.get(p.at.getTime());
    if (row) Object.assign(row, columns(p));
  }
  return [...rows.values()];
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
  const cpu = table(range, now, [...byRole, ...total], (p) => (p.subject === "all" ? { used: p.cpuUsed } : { [roleKey(p.subject)]: p.cpuAllocated }), empty);
  const memGb = table(range, now, [...byRole, ...total], (p) => (p.subject === "all" ? { used: p.memGbUsed } : { [roleKey(p.subject)]: p.memGbAllocated }), empty);
  const topUsers: TopUser[] = [];
  for (const t of top) {
    const user = await findUser(db, t.subject);
    const role = user ? await findRole(db, user.role) : undefined;
    topUsers.push({
      name: t.subject,
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

/** A person's own allocation and use over time, against their limits. */
export async function myUsageReport(db: Db, name: string, limits: Limits, range: UsageRange, now = new Date()): Promise<MyUsage> {
  const { ms, bucketS } = USAGE_RANGES[range];
  const points = await usageSeries(db, { scope: "user", subjects: [name], since: new Date(now.getTime() - ms), bucketS });
  const rows = table(
    range,
    now,
    points,
    (p) => ({ cpuAllocated: p.cpuAllocated, cpuUsed: p.cpuUsed, memGbAllocated: p.memGbAllocated, memGbUsed: p.memGbUsed }),
    { cpuAllocated: 0, cpuUsed: 0, memGbAllocated: 0, memGbUsed: 0 },
  );
  return { range, limits, rows };
}
