/**
 * SQL for MLflow's per-resource permissions (docs/projects.md, "Grants"): one person's level on one experiment
 * or registered model. Who may grant, and what a grant gives, is lib/auth/access.ts and lib/tracking/permissions/.
 */
import { and, count, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { rowsOf } from "./metric-intervals";
import {
  experimentPermissions,
  projectMembers,
  registeredModelPermissions,
  users,
  type GrantPermission,
  type ProjectRole,
} from "../schema";

/** What a grant is on: an experiment by id, or a registered model by name. */
export type GrantTarget = { kind: "experiment"; id: number } | { kind: "registered_model"; name: string };
export interface GrantRow {
  userId: string;
  permission: GrantPermission;
}

const ROLE_ORDER: readonly ProjectRole[] = ["viewer", "user", "editor", "owner"];

/** A person's project roles and grants, as the access rule reads them with the principal. */
export interface Memberships {
  /** Her role in each project (by id), directly or through one of her SSO groups: the strongest wins. */
  projectRoles: Record<string, ProjectRole>;
  /** Her granted permission on each experiment (by id) and registered model (by name); NO_PERMISSIONS left out. */
  grants: { experiment: Record<string, GrantPermission>; registered_model: Record<string, GrantPermission> };
}

/** One thing a person is let into: a project role, or a grant on an experiment or a registered model. */
export type MembershipRow = { kind: string; key: string; level: string };

/** Her project roles (the strongest per project) and grants, from the rows both queries below read. */
export function foldMemberships(rows: readonly MembershipRow[]): Memberships {
  const out: Memberships = { projectRoles: {}, grants: { experiment: {}, registered_model: {} } };
  for (const { kind, key, level } of rows) {
    if (kind === "project") {
      const held = out.projectRoles[key];
      const role = level as ProjectRole;
      if (!held || ROLE_ORDER.indexOf(role) > ROLE_ORDER.indexOf(held)) out.projectRoles[key] = role;
    } else if (kind === "experiment" || kind === "registered_model") out.grants[kind][key] = level as GrantPermission;
  }
  return out;
}

/** The rows of `membershipsOf`, for a person given by an id and groups as SQL (a parameter, or a column). */
function membershipRows(userId: SQL, groupMatch: SQL): SQL {
  return sql`
    select 'project' as kind, ${projectMembers.projectId} as key, ${projectMembers.role} as level from ${projectMembers}
      where ${projectMembers.userId} = ${userId} or ${groupMatch}
    union all
    select 'experiment', ${experimentPermissions.experimentId}::text, ${experimentPermissions.permission} from ${experimentPermissions}
      where ${experimentPermissions.userId} = ${userId} and ${experimentPermissions.permission} <> 'NO_PERMISSIONS'
    union all
    select 'registered_model', ${registeredModelPermissions.name}, ${registeredModelPermissions.permission} from ${registeredModelPermissions}
      where ${registeredModelPermissions.userId} = ${userId} and ${registeredModelPermissions.permission} <> 'NO_PERMISSIONS'`;
}

/** One round trip for everything a person is let into besides her own things: her projects and her grants. */
export async function membershipsOf(db: Db, userId: string, groups: readonly string[]): Promise<Memberships> {
  const byGroup =
    groups.length > 0
      ? sql`${projectMembers.groupName} in (${sql.join(
          groups.map((g) => sql`${g}`),
          sql`, `,
        )})`
      : sql`false`;
  const rows = await db.execute(membershipRows(sql`${userId}`, byGroup));
  return foldMemberships(rowsOf(rows) as MembershipRow[]);
}

/**
 * The same rows as a select field of a query that reads a `users` row, as a JSON list: reading a person with
 * her projects and grants is then one round trip (lib/auth/principal.ts resolves every request with it).
 */
export function membershipsOfUserRow(): SQL<MembershipRow[]> {
  const rows = membershipRows(sql`${users.id}`, sql`${projectMembers.groupName} in (select jsonb_array_elements_text(${users.ssoGroups}))`);
  return sql<MembershipRow[]>`coalesce((select json_agg(m) from (${rows}) m), '[]'::json)`;
}

/** The table and the row condition for one target (and one person). */
function on(target: GrantTarget, userId?: string): { table: typeof experimentPermissions | typeof registeredModelPermissions; where: SQL } {
  if (target.kind === "experiment") {
    const t = experimentPermissions;
    return { table: t, where: and(eq(t.experimentId, target.id), userId === undefined ? undefined : eq(t.userId, userId)) as SQL };
  }
  const t = registeredModelPermissions;
  return { table: t, where: and(eq(t.name, target.name), userId === undefined ? undefined : eq(t.userId, userId)) as SQL };
}

export async function findGrant(db: Db, target: GrantTarget, userId: string): Promise<GrantRow | undefined> {
  const { table, where } = on(target, userId);
  const rows = await db.select({ userId: table.userId, permission: table.permission }).from(table).where(where).limit(1);
  return rows[0];
}

/** Null when she already has one on it. */
export async function insertGrant(
  db: Db,
  target: GrantTarget,
  values: { userId: string; permission: GrantPermission; grantedBy: string | null },
): Promise<GrantRow | null> {
  const rows =
    target.kind === "experiment"
      ? await db
          .insert(experimentPermissions)
          .values({ ...values, experimentId: target.id })
          .onConflictDoNothing()
          .returning({ userId: experimentPermissions.userId, permission: experimentPermissions.permission })
      : await db
          .insert(registeredModelPermissions)
          .values({ ...values, name: target.name })
          .onConflictDoNothing()
          .returning({ userId: registeredModelPermissions.userId, permission: registeredModelPermissions.permission });
  return rows[0] ?? null;
}

/** False when she has none on it. */
export async function updateGrant(db: Db, target: GrantTarget, userId: string, permission: GrantPermission): Promise<boolean> {
  const { table, where } = on(target, userId);
  const rows = await db.update(table).set({ permission, updatedAt: new Date() }).where(where).returning({ userId: table.userId });
  return rows.length > 0;
}

/** False when she has none on it. */
export async function deleteGrant(db: Db, target: GrantTarget, userId: string): Promise<boolean> {
  const { table, where } = on(target, userId);
  const rows = await db.delete(table).where(where).returning({ userId: table.userId });
  return rows.length > 0;
}

/** How many people hold a grant on the target. */
export async function countGrantsOn(db: Db, target: GrantTarget): Promise<number> {
  const { table, where } = on(target);
  const rows = await db.select({ n: count() }).from(table).where(where);
  return rows[0]?.n ?? 0;
}

/** How many grants a person holds, on experiments and registered models together. */
export async function countGrantsTo(db: Db, userId: string): Promise<number> {
  const [e, m] = await Promise.all(
    [experimentPermissions, registeredModelPermissions].map((t) => db.select({ n: count() }).from(t).where(eq(t.userId, userId))),
  );
  return (e?.[0]?.n ?? 0) + (m?.[0]?.n ?? 0);
}

/** `select experiment_id …` of the experiments granted to her (not NO_PERMISSIONS), for the list filter. */
export function grantedExperimentIds(userId: string): SQL {
  const t = experimentPermissions;
  return sql`select ${t.experimentId} from ${t} where ${t.userId} = ${userId} and ${t.permission} <> 'NO_PERMISSIONS'`;
}

/** `select name …` of the registered models granted to her (not NO_PERMISSIONS), for the list filter. */
export function grantedModelNames(userId: string): SQL {
  const t = registeredModelPermissions;
  return sql`select ${t.name} from ${t} where ${t.userId} = ${userId} and ${t.permission} <> 'NO_PERMISSIONS'`;
}
