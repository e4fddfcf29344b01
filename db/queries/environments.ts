import { asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { environments, jobExecutions, jobs, servers } from "../schema";

export type EnvironmentRow = typeof environments.$inferSelect;
/** `constraints` may be left out (none); it came after the other columns. */
export type EnvironmentInput = Omit<EnvironmentRow, "createdAt" | "updatedAt" | "constraints"> & { constraints?: string[] };

export function listEnvironments(db: Db): Promise<EnvironmentRow[]> {
  return db.select().from(environments).orderBy(asc(environments.deprecated), asc(environments.name));
}

export async function findEnvironment(db: Db, id: string): Promise<EnvironmentRow | undefined> {
  const rows = await db.select().from(environments).where(eq(environments.id, id)).limit(1);
  return rows[0];
}

export async function insertEnvironment(db: Db, values: EnvironmentInput): Promise<EnvironmentRow | undefined> {
  const rows = await db.insert(environments).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function updateEnvironment(db: Db, id: string, values: Omit<EnvironmentInput, "id">): Promise<EnvironmentRow | undefined> {
  const rows = await db
    .update(environments)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(environments.id, id))
    .returning();
  return rows[0];
}

export async function deleteEnvironment(db: Db, id: string): Promise<boolean> {
  const rows = await db.delete(environments).where(eq(environments.id, id)).returning({ id: environments.id });
  return rows.length > 0;
}

/** The environments a server or job execution the portal started ran this image id in (their recorded image_id). */
export async function environmentIdsThatRan(db: Db, imageId: string): Promise<string[]> {
  const inServers = db.selectDistinct({ id: servers.environmentId }).from(servers).where(eq(servers.imageId, imageId));
  const inJobs = db
    .selectDistinct({ id: jobs.environmentId })
    .from(jobExecutions)
    .innerJoin(jobs, eq(jobs.id, jobExecutions.jobId))
    .where(eq(jobExecutions.imageId, imageId));
  return (await inServers.union(inJobs).limit(50)).map((r) => r.id);
}
