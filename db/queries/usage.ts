import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client";
import { fromExcluded } from "./excluded";
import { usageSamples, users, type UsageScope } from "../schema";

export type UsageSampleRow = typeof usageSamples.$inferSelect;

export async function insertUsageSamples(db: Db, rows: UsageSampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  // One row per subject and minute: a second reading in the same minute (another replica, or a
  // short test interval) replaces the first, so the stored minute is the latest view of it.
  await db
    .insert(usageSamples)
    .values(rows)
    .onConflictDoUpdate({
      target: [usageSamples.scope, usageSamples.subject, usageSamples.at],
      set: fromExcluded(usageSamples, ["cpuAllocated", "memGbAllocated", "cpuUsed", "memGbUsed", "servers"]),
    });
}

export async function deleteUsageBefore(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(usageSamples).where(lt(usageSamples.at, before)).returning({ at: usageSamples.at });
  return rows.length;
}

/** Each person's role, by id. */
export async function rolesOfUsers(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, role: users.role }).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r.role]));
}

export interface UsagePoint {
  subject: string;
  /** Start of the bucket. */
  at: Date;
  cpuAllocated: number;
  memGbAllocated: number;
  cpuUsed: number;
  memGbUsed: number;
  servers: number;
}

/**
 * Samples of one scope since a time, averaged into buckets of `bucketS` seconds (so 14 days of
 * minute samples come back as a few hundred points). `subjects` narrows to some subjects.
 */
export async function usageSeries(
  db: Db,
  f: { scope: UsageScope; subjects?: string[]; since: Date; bucketS: number },
): Promise<UsagePoint[]> {
  if (!Number.isInteger(f.bucketS) || f.bucketS <= 0) throw new Error(`bad bucket size ${f.bucketS}`);
  // Inlined, not a parameter: Postgres matches GROUP BY and ORDER BY to the select list by text.
  const width = sql.raw(String(f.bucketS));
  const bucket = sql<Date>`to_timestamp(floor(extract(epoch from ${usageSamples.at}) / ${width}) * ${width})`;
  const conds = [eq(usageSamples.scope, f.scope), gte(usageSamples.at, f.since)];
  if (f.subjects) conds.push(inArray(usageSamples.subject, f.subjects.length ? f.subjects : [""]));
  const rows = await db
    .select({
      subject: usageSamples.subject,
      at: bucket.mapWith((v: unknown) => (v instanceof Date ? v : new Date(String(v)))),
      cpuAllocated: sql<number>`avg(${usageSamples.cpuAllocated})`.mapWith(Number),
      memGbAllocated: sql<number>`avg(${usageSamples.memGbAllocated})`.mapWith(Number),
      cpuUsed: sql<number>`avg(${usageSamples.cpuUsed})`.mapWith(Number),
      memGbUsed: sql<number>`avg(${usageSamples.memGbUsed})`.mapWith(Number),
      servers: sql<number>`max(${usageSamples.servers})`.mapWith(Number),
    })
    .from(usageSamples)
    .where(and(...conds))
    .groupBy(usageSamples.subject, bucket)
    .orderBy(asc(bucket), asc(usageSamples.subject));
  return rows;
}

/**
 * The subjects of a scope with the largest peak CPU allocation since a time, largest first; use is
 * averaged over the minutes they held servers (minutes without servers store no row).
 */
export async function topUsageSubjects(
  db: Db,
  f: { scope: UsageScope; since: Date; limit: number },
): Promise<{ subject: string; cpuAllocated: number; memGbAllocated: number; cpuUsed: number; memGbUsed: number }[]> {
  return db
    .select({
      subject: usageSamples.subject,
      cpuAllocated: sql<number>`max(${usageSamples.cpuAllocated})`.mapWith(Number),
      memGbAllocated: sql<number>`max(${usageSamples.memGbAllocated})`.mapWith(Number),
      cpuUsed: sql<number>`avg(${usageSamples.cpuUsed})`.mapWith(Number),
      memGbUsed: sql<number>`avg(${usageSamples.memGbUsed})`.mapWith(Number),
    })
    .from(usageSamples)
    .where(and(eq(usageSamples.scope, f.scope), gte(usageSamples.at, f.since)))
    .groupBy(usageSamples.subject)
    .orderBy(sql`max(${usageSamples.cpuAllocated}) desc`, asc(usageSamples.subject))
    .limit(f.limit);
}

/** The newest sample of one subject, if any. */
export async function latestUsage(db: Db, scope: UsageScope, subject: string): Promise<UsageSampleRow | undefined> {
  const rows = await db
    .select()
    .from(usageSamples)
    .where(and(eq(usageSamples.scope, scope), eq(usageSamples.subject, subject)))
    .orderBy(desc(usageSamples.at))
    .limit(1);
  return rows[0];
}
