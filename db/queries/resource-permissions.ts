/**
 * SQL for MLflow's per-resource permissions (docs/projects.md, "Grants"): one person's (or one SSO group's) level on
 * one experiment or registered model. Who may grant, and what a grant gives, is lib/auth/access.ts and lib/tracking/permissions/.
 */
import { and, count, eq, sql, type AnyColumn, type SQL } from "drizzle-orm";
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
/** To whom: a person by id, or an SSO group by the name its claim carries (an Atrium extension, docs/projects.md). */
export type Grantee = { userId: string } | { group: string };
export interface GrantRow {
  permission: GrantPermission;
}

const ROLE_ORDER: readonly ProjectRole[] = ["viewer", "user", "editor", "owner"];
const GRANT_ORDER: readonly GrantPermission[] = ["NO_PERMISSIONS", "READ", "USE", "EDIT", "MANAGE"];

/** A person's project roles and grants, as the access rule reads them with the principal. */
export interface Memberships {
  /** Her role in each project (by id), directly or through one of her SSO groups: the strongest wins. */
  projectRoles: Record<string, ProjectRole>;
  /**
   * Her granted permission on each experiment (by id) and registered model (by name), to her or to one of her SSO
   * groups: the strongest wins; NO_PERMISSIONS left out.
   */
  grants: { experiment: Record<string, GrantPermission>; registered_model: Record<string, GrantPermission> };
}

/** One thing a person is let into: a project role, or a grant on an experiment or a registered model. */
export type MembershipRow = { kind: string; key: string; level: string };

/** The stronger of two levels in an order, the held one when the new one is unknown. */
function stronger<T extends string>(order: readonly T[], held: T | undefined, level: T): T {
  return held !== undefined && order.indexOf(level) <= order.indexOf(held) ? held : level;
}

/** Her project roles and grants (the strongest per project and per resource), from the rows both queries below read. */
export function foldMemberships(rows: readonly MembershipRow[]): Memberships {
  const out: Memberships = { projectRoles: {}, grants: { experiment: {}, registered_model: {} } };
  for (const { kind, key, level } of rows) {
    if (kind === "project") out.projectRoles[key] = stronger(ROLE_ORDER, out.projectRoles[key], level as ProjectRole);
    else if (kind === "experiment" || kind === "registered_model") {
      out.grants[kind][key] = stronger(GRANT_ORDER, out.grants[kind][key], level as GrantPermission);
    }
  }
  return out;
}

/** Her groups, as SQL: parameters, or a `users` row's stored groups claim. */
type GroupsSql = (column: AnyColumn) => SQL;
const inGroups =
  (groups: readonly string[]): GroupsSql =>
  (column) =>
    groups.length > 0
      ? sql`${column} in (${sql.join(
          groups.map((g) => sql`${g}`),
          sql`, `,
        )})`
      : sql`false`;
const inStoredGroups: GroupsSql = (column) => sql`${column} in (select jsonb_array_elements_text(${users.ssoGroups}))`;

/** Granted to her or to one of her groups, and not NO_PERMISSIONS. */
function grantedTo(t: typeof experimentPermissions | typeof registeredModelPermissions, userId: SQL, groups: GroupsSql): SQL {
  return sql`(${t.userId} = ${userId} or ${groups(t.granteeGroup)}) and ${t.permission} <> 'NO_PERMISSIONS'`;
}

/** The rows of `membershipsOf`, for a person given by an id and groups as SQL (parameters, or columns). */
function membershipRows(userId: SQL, groups: GroupsSql): SQL {
  return sql`
    select 'project' as kind, ${projectMembers.projectId} as key, ${projectMembers.role} as level from ${projectMembers}
      where ${projectMembers.userId} = ${userId} or ${groups(projectMembers.groupName)}
    union all
    select 'experiment', ${experimentPermissions.experimentId}::text, ${experimentPermissions.permission} from ${experimentPermissions}
      where ${grantedTo(experimentPermissions, userId, groups)}
    union all
    select 'registered_model', ${registeredModelPermissions.name}, ${registeredModelPermissions.permission} from ${registeredModelPermissions}
      where ${grantedTo(registeredModelPermissions, userId, groups)}`;
}

/** One round trip for everything a person is let into besides her own things: her projects and her grants. */
export async function membershipsOf(db: Db, userId: string, groups: readonly string[]): Promise<Memberships> {
  const rows = await db.execute(membershipRows(sql`${userId}`, inGroups(groups)));
  return foldMemberships(rowsOf(rows) as MembershipRow[]);
}

/**
 * The same rows as a select field of a query that reads a `users` row, as a JSON list: reading a person with
 * her projects and grants is then one round trip (lib/auth/principal.ts resolves every request with it).
 */
export function membershipsOfUserRow(): SQL<MembershipRow[]> {
  const rows = membershipRows(sql`${users.id}`, inStoredGroups);
  return sql<MembershipRow[]>`coalesce((select json_agg(m) from (${rows}) m), '[]'::json)`;
}

type GrantTable = typeof experimentPermissions | typeof registeredModelPermissions;

/** The table and the row condition for one target (and one grantee). */
function on(target: GrantTarget, grantee?: Grantee): { table: GrantTable; where: SQL } {
  const table: GrantTable = target.kind === "experiment" ? experimentPermissions : registeredModelPermissions;
  const resource =
    target.kind === "experiment" ? eq(experimentPermissions.experimentId, target.id) : eq(registeredModelPermissions.name, target.name);
  const whom = grantee === undefined ? undefined : granteeIs(table, grantee);
  return { table, where: and(resource, whom) as SQL };
}

const granteeIs = (t: GrantTable, grantee: Grantee): SQL =>
  "userId" in grantee ? eq(t.userId, grantee.userId) : eq(t.granteeGroup, grantee.group);
const granteeColumns = (grantee: Grantee) =>
  "userId" in grantee ? { userId: grantee.userId, granteeGroup: null } : { userId: null, granteeGroup: grantee.group };

export async function findGrant(db: Db, target: GrantTarget, grantee: Grantee): Promise<GrantRow | undefined> {
  const { table, where } = on(target, grantee);
  const rows = await db.select({ permission: table.permission }).from(table).where(where).limit(1);
  return rows[0];
}

/** Null when the grantee already has one on it. */
export async function insertGrant(
  db: Db,
  target: GrantTarget,
  grantee: Grantee,
  values: { permission: GrantPermission; grantedBy: string | null },
): Promise<GrantRow | null> {
  const row = { ...values, ...granteeColumns(grantee) };
  const rows =
    target.kind === "experiment"
      ? await db
          .insert(experimentPermissions)
          .values({ ...row, experimentId: target.id })
          .onConflictDoNothing()
          .returning({ permission: experimentPermissions.permission })
      : await db
          .insert(registeredModelPermissions)
          .values({ ...row, name: target.name })
          .onConflictDoNothing()
          .returning({ permission: registeredModelPermissions.permission });
  return rows[0] ?? null;
}

/** False when the grantee has none on it. */
export async function updateGrant(db: Db, target: GrantTarget, grantee: Grantee, permission: GrantPermission): Promise<boolean> {
  const { table, where } = on(target, grantee);
  const rows = await db.update(table).set({ permission, updatedAt: new Date() }).where(where).returning({ permission: table.permission });
  return rows.length > 0;
}

/** False when the grantee has none on it. */
export async function deleteGrant(db: Db, target: GrantTarget, grantee: Grantee): Promise<boolean> {
  const { table, where } = on(target, grantee);
  const rows = await db.delete(table).where(where).returning({ permission: table.permission });
  return rows.length > 0;
}

/** How many people and groups hold a grant on the target. */
export async function countGrantsOn(db: Db, target: GrantTarget): Promise<number> {
  const { table, where } = on(target);
  const rows = await db.select({ n: count() }).from(table).where(where);
  return rows[0]?.n ?? 0;
}

/** How many grants a person (or a group) holds, on experiments and registered models together. */
export async function countGrantsTo(db: Db, grantee: Grantee): Promise<number> {
  const [e, m] = await Promise.all(
    [experimentPermissions, registeredModelPermissions].map((t) => db.select({ n: count() }).from(t).where(granteeIs(t, grantee))),
  );
  return (e?.[0]?.n ?? 0) + (m?.[0]?.n ?? 0);
}

/** Whom the list filter reads grants for: a person by id, and her SSO groups (as parameters). */
export interface GrantReader {
  userId: string;
  groups: readonly string[];
}

/** `select experiment_id …` of the experiments granted to her or her groups (not NO_PERMISSIONS), for the list filter. */
export function grantedExperimentIds(reader: GrantReader): SQL {
  const t = experimentPermissions;
  return sql`select ${t.experimentId} from ${t} where ${grantedTo(t, sql`${reader.userId}`, inGroups(reader.groups))}`;
}

/** `select name …` of the registered models granted to her or her groups (not NO_PERMISSIONS), for the list filter. */
export function grantedModelNames(reader: GrantReader): SQL {
  const t = registeredModelPermissions;
  return sql`select ${t.name} from ${t} where ${grantedTo(t, sql`${reader.userId}`, inGroups(reader.groups))}`;
}
