/** SQL for projects and their members (docs/projects.md); who may do what is lib/auth/access.ts, the rules lib/projects/. */
import { randomBytes } from "node:crypto";
import { and, asc, count, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { projectMembers, projects, users, type ProjectRole } from "../schema";

export type ProjectRow = typeof projects.$inferSelect;
/** A member as pages and the API show it: a person (by her current name) or a group. */
export type MemberRow = { userId: string | null; userName: string | null; groupName: string | null; role: ProjectRole };

export async function insertProject(
  db: Db,
  values: { name: string; description: string; createdBy: string | null },
): Promise<ProjectRow | null> {
  const rows = await db
    .insert(projects)
    .values({ ...values, id: randomBytes(16).toString("hex") })
    .onConflictDoNothing()
    .returning();
  return rows[0] ?? null;
}

export async function findProject(db: Db, name: string): Promise<ProjectRow | undefined> {
  const rows = await db.select().from(projects).where(eq(projects.name, name)).limit(1);
  return rows[0];
}

export async function countProjects(db: Db): Promise<number> {
  const rows = await db.select({ n: count() }).from(projects);
  return rows[0]?.n ?? 0;
}

/** Projects by name; `ids` narrows to these (undefined: all, for admins). */
export function listProjects(db: Db, ids: readonly string[] | undefined, limit: number): Promise<ProjectRow[]> {
  const where: SQL | undefined = ids === undefined ? undefined : ids.length > 0 ? inArray(projects.id, [...ids]) : sql`false`;
  return db.select().from(projects).where(where).orderBy(asc(projects.name)).limit(limit);
}

export async function updateProject(db: Db, id: string, set: { name?: string; description?: string }): Promise<ProjectRow | null> {
  const rows = await db
    .update(projects)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(projects.id, id))
    .returning()
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) return [];
      throw err;
    });
  return rows[0] ?? null;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  return code === "23505";
}

/** Deletes the project; its resources fall back to their owners' personal spaces (`on delete set null`). */
export async function deleteProject(db: Db, id: string): Promise<void> {
  await db.delete(projects).where(eq(projects.id, id));
}

export function listMembers(db: Db, projectId: string): Promise<MemberRow[]> {
  return db
    .select({ userId: projectMembers.userId, userName: users.name, groupName: projectMembers.groupName, role: projectMembers.role })
    .from(projectMembers)
    .leftJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.groupName), asc(users.name));
}

/** A person (by id) or a group, as one member key. */
export type MemberKey = { userId: string } | { groupName: string };

const memberIs = (projectId: string, key: MemberKey): SQL =>
  and(
    eq(projectMembers.projectId, projectId),
    "userId" in key ? eq(projectMembers.userId, key.userId) : eq(projectMembers.groupName, key.groupName),
  ) as SQL;

/** Adds the member; false when she (or the group) is a member already. */
export async function insertMember(db: Db, projectId: string, key: MemberKey, role: ProjectRole): Promise<boolean> {
  const rows = await db
    .insert(projectMembers)
    .values({ projectId, role, ...("userId" in key ? { userId: key.userId } : { groupName: key.groupName }) })
    .onConflictDoNothing()
    .returning({ role: projectMembers.role });
  return rows.length > 0;
}

export async function findMemberRole(db: Db, projectId: string, key: MemberKey): Promise<ProjectRole | undefined> {
  const rows = await db.select({ role: projectMembers.role }).from(projectMembers).where(memberIs(projectId, key)).limit(1);
  return rows[0]?.role;
}

export async function updateMemberRole(db: Db, projectId: string, key: MemberKey, role: ProjectRole): Promise<void> {
  await db.update(projectMembers).set({ role }).where(memberIs(projectId, key));
}

export async function deleteMember(db: Db, projectId: string, key: MemberKey): Promise<void> {
  await db.delete(projectMembers).where(memberIs(projectId, key));
}

export async function countMembers(db: Db, projectId: string): Promise<number> {
  const rows = await db.select({ n: count() }).from(projectMembers).where(eq(projectMembers.projectId, projectId));
  return rows[0]?.n ?? 0;
}

/** Locks the project's member rows (FOR UPDATE) and counts its owners, so two removals cannot both leave none. */
export async function lockOwners(db: Db, projectId: string): Promise<number> {
  await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update");
  const rows = await db
    .select({ n: count() })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, "owner")));
  return rows[0]?.n ?? 0;
}

export async function findProjectById(db: Db, id: string): Promise<ProjectRow | undefined> {
  const rows = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return rows[0];
}

/**
 * The project's row, locked until the transaction ends: starts in one project are checked against its allowance
 * one at a time (lib/projects/allowance.ts). Callers lock their owner's users row first, then this one.
 */
export async function lockProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const rows = await db.select().from(projects).where(eq(projects.id, id)).for("update");
  return rows[0];
}

export async function updateAllowance(
  db: Db,
  id: string,
  set: { maxCpu: number | null; maxMemGb: number | null; maxEndpoints: number | null; maxStorageGb?: number | null },
): Promise<ProjectRow | undefined> {
  const rows = await db
    .update(projects)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(projects.id, id))
    .returning();
  return rows[0];
}
