import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { jobExecutions, jobs, type ExecutionState } from "../schema";
import type { ReadFilter } from "./readable";

export type JobRow = typeof jobs.$inferSelect;
export type JobInsert = typeof jobs.$inferInsert;
export type JobPatch = Partial<Omit<JobRow, "id" | "ownerName" | "createdAt">>;
export type ExecutionRow = typeof jobExecutions.$inferSelect;
export type ExecutionInsert = typeof jobExecutions.$inferInsert;
export type ExecutionPatch = Partial<Omit<ExecutionRow, "id" | "jobId" | "runKey" | "createdAt">>;

/** Executions that have not ended; `running` ones hold CPU and memory against the owner's totals. */
const UNFINISHED_STATES: ExecutionState[] = ["queued", "running"];

export async function insertJob(db: Db, row: JobInsert): Promise<JobRow> {
  const [inserted] = await db.insert(jobs).values(row).returning();
  if (!inserted) throw new Error("insert into jobs returned no row");
  return inserted;
}

export async function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  return (await db.select().from(jobs).where(eq(jobs.id, id)).limit(1))[0];
}

export async function findJobByName(db: Db, ownerName: string, name: string): Promise<JobRow | undefined> {
  return (
    await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.ownerName, ownerName), eq(jobs.name, name)))
      .limit(1)
  )[0];
}

/** The jobs `readable` lets the caller see (lib/auth/access.ts), only one person's (by id) when `ownerId` is given. */
export function listJobs(db: Db, readable: ReadFilter, ownerId?: string): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(readable({ id: jobs.ownerId, project: jobs.projectId }), ownerId === undefined ? undefined : eq(jobs.ownerId, ownerId)))
    .orderBy(asc(jobs.ownerName), asc(jobs.name));
}

/** Cron jobs that are not paused: what the scheduler looks at each minute. */
export function listScheduledJobs(db: Db): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.trigger, "cron"), eq(jobs.paused, false)));
}

/** Jobs that run after `jobId` succeeds. */
export function listFollowers(db: Db, jobId: string): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.trigger, "after"), eq(jobs.afterJobId, jobId), eq(jobs.paused, false)));
}

export async function updateJob(db: Db, id: string, patch: JobPatch): Promise<JobRow | undefined> {
  return (
    await db
      .update(jobs)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(jobs.id, id))
      .returning()
  )[0];
}

export async function deleteJob(db: Db, id: string): Promise<boolean> {
  return (await db.delete(jobs).where(eq(jobs.id, id)).returning({ id: jobs.id })).length > 0;
}

/**
 * Inserts an execution unless one with its run key exists: the unique index decides between two
 * schedulers (or two clicks) racing for the same slot. Returns the new row, or undefined when the
 * key was taken.
 */
export async function insertExecution(db: Db, row: ExecutionInsert): Promise<ExecutionRow | undefined> {
  const rows = await db.insert(jobExecutions).values(row).onConflictDoNothing({ target: jobExecutions.runKey }).returning();
  return rows[0];
}

/** insertExecution for many rows in one statement; returns the rows that were inserted. */
export async function insertExecutions(db: Db, rows: ExecutionInsert[]): Promise<ExecutionRow[]> {
  if (rows.length === 0) return [];
  return db.insert(jobExecutions).values(rows).onConflictDoNothing({ target: jobExecutions.runKey }).returning();
}

/** Moves each job's scheduled_through to its time, in one statement. */
export async function setScheduledThrough(db: Db, pairs: Array<{ id: string; at: Date }>): Promise<void> {
  if (pairs.length === 0) return;
  const values = sql.join(
    pairs.map((p) => sql`(${p.id}, ${p.at.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await db.execute(sql`update ${jobs} set scheduled_through = v.at from (values ${values}) as v(id, at) where ${jobs.id} = v.id`);
}

export async function findExecution(db: Db, id: string): Promise<ExecutionRow | undefined> {
  return (await db.select().from(jobExecutions).where(eq(jobExecutions.id, id)).limit(1))[0];
}

export function listExecutions(db: Db, jobId: string, limit = 50): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(jobExecutions)
    .where(eq(jobExecutions.jobId, jobId))
    .orderBy(desc(jobExecutions.createdAt), desc(jobExecutions.id))
    .limit(limit);
}

export function listExecutionsIn(db: Db, states: ExecutionState[]): Promise<ExecutionRow[]> {
  return db.select().from(jobExecutions).where(inArray(jobExecutions.state, states)).orderBy(asc(jobExecutions.createdAt));
}

/** A person's (by id) executions that have not ended (of one job of hers, when given), with their job's names, oldest first. */
export function listUnfinishedExecutions(
  db: Db,
  ownerId: string,
  jobId?: string,
): Promise<Array<{ execution: ExecutionRow; jobName: string; ownerName: string }>> {
  return db
    .select({ execution: jobExecutions, jobName: jobs.name, ownerName: jobs.ownerName })
    .from(jobExecutions)
    .innerJoin(jobs, eq(jobs.id, jobExecutions.jobId))
    .where(
      and(eq(jobs.ownerId, ownerId), inArray(jobExecutions.state, UNFINISHED_STATES), jobId === undefined ? undefined : eq(jobs.id, jobId)),
    )
    .orderBy(asc(jobExecutions.createdAt));
}

/** Jobs that have an execution still queued (waiting for quota, or not launched yet). */
export async function jobsWithQueuedExecutions(db: Db): Promise<Set<string>> {
  const rows = await db.selectDistinct({ jobId: jobExecutions.jobId }).from(jobExecutions).where(eq(jobExecutions.state, "queued"));
  return new Set(rows.map((r) => r.jobId));
}

/** The newest execution of each of these jobs (the Jobs list's "last status"). */
export async function latestExecutions(db: Db, jobIds: string[]): Promise<Map<string, ExecutionRow>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([jobExecutions.jobId])
    .from(jobExecutions)
    .where(inArray(jobExecutions.jobId, jobIds))
    .orderBy(jobExecutions.jobId, desc(jobExecutions.createdAt), desc(jobExecutions.id));
  return new Map(rows.map((r) => [r.jobId, r]));
}

/**
 * Changes an execution only while it is in one of `onlyIf` (e.g. a cancel must not overwrite a
 * finish that got there first). Returns the changed row, or undefined when the state had moved on.
 */
export async function updateExecution(
  db: Db,
  id: string,
  patch: ExecutionPatch,
  onlyIf?: ExecutionState[],
): Promise<ExecutionRow | undefined> {
  const where = onlyIf ? and(eq(jobExecutions.id, id), inArray(jobExecutions.state, onlyIf)) : eq(jobExecutions.id, id);
  return (await db.update(jobExecutions).set(patch).where(where).returning())[0];
}
