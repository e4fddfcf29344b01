import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client";
import { usageSamples, users, type UsageScope } from "../schema";

export type UsageSampleRow = typeof usageSamples.$inferSelect;

export async function insertUsageSamples(db: Db, rows: UsageSampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  // A second sampler in the same minute (two replicas) keeps the first reading.
  await db.insert(usageSamples).values(rows).onConflictDoNothing();
}

export async function deleteUsageBefore(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(usageSamples).where(lt(usageSamples.at, before)).returning({ at: usageSamples.at });
  return rows.length;
}

export async function rolesOfUsers(db: Db, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db.select({ name: users.name, role: users.role }).from(users).where(inArray(users.name, names));
  return new Map(rows.map((r) => [r.name, r.role]));
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
export async function usageSeries(db: Db, f: { scope: UsageScope; subjects?: string[]; since: Date; bucketS: number }): Promise<UsagePoint[]> {
  const bucket = sql<Date>`to_timestamp(floor(extract(epoch from ${usageSamples.at}) / ${f.bucketS}) * ${f.bucketS})`;
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
export async function topUsageSubjects(db: Db, f: { scope: UsageScope; since: Date; limit: number }): Promise<{ subject: string; cpuAllocated: number; memGbAllocated: number; cpuUsed: number; memGbUsed: number }[]> {
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
