/** SQL for projects and their members (docs/projects.md); who may do what is lib/auth/access.ts, the rules lib/projects/. */
import { randomBytes } from "node:crypto";
import { and, asc, count, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { projectMembers, projects, users, type ProjectRole } from "../schema";

export type ProjectRow = typeof projects.$inferSelect;
/** A member as pages and the API show it: a person (by her current name) or a group. */
export type MemberRow = { userId: string | null; userName: string | null; groupName: string | null; role: ProjectRole };

const ROLE_ORDER: readonly ProjectRole[] = ["viewer", "user", "editor", "owner"];

/** One membership of a person, directly or through one of her SSO groups. */
export type Membership = { projectId: string; role: ProjectRole };

/**
 * A select field: the memberships of the `users` row of the query it is in, as a JSON list, so reading a
 * person and her project roles is one round trip (lib/auth/principal.ts resolves every request with it).
 */
export function membershipsOfUserRow(): SQL<Membership[]> {
  return sql<
    Membership[]
  >`coalesce((select json_agg(json_build_object('projectId', ${projectMembers.projectId}, 'role', ${projectMembers.role}))
    from ${projectMembers} where ${projectMembers.userId} = ${users.id}
    or ${projectMembers.groupName} in (select jsonb_array_elements_text(${users.ssoGroups}))), '[]'::json)`;
}

/** Per project, the strongest of the roles a person holds in it. */
export function strongestRoles(memberships: readonly Membership[]): Record<string, ProjectRole> {
  const roles: Record<string, ProjectRole> = {};
  for (const { projectId, role } of memberships) {
    const held = roles[projectId];
    if (!held || ROLE_ORDER.indexOf(role) > ROLE_ORDER.indexOf(held)) roles[projectId] = role;
  }
  return roles;
}

/** A person's role in each project she is in, directly or through one of her SSO groups: the strongest wins. */
export async function projectRolesOf(db: Db, userId: string, groups: readonly string[]): Promise<Record<string, ProjectRole>> {
  const byGroup = groups.length > 0 ? inArray(projectMembers.groupName, [...groups]) : undefined;
  const rows = await db
    .select({ projectId: projectMembers.projectId, role: projectMembers.role })
    .from(projectMembers)
    .where(or(eq(projectMembers.userId, userId), byGroup));
  return strongestRoles(rows);
}

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
