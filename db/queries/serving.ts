/** SQL for serving endpoints (lib/serving/): endpoints, their config revisions, invoke grants. */
import { and, arrayContains, asc, eq, inArray, ne, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { apiTokens, servingEndpointConfigs, servingEndpointGrants, servingEndpoints, users, type InvokeGranteeKind } from "../schema";
import type { ReadFilter } from "./readable";

export type EndpointRow = typeof servingEndpoints.$inferSelect;
export type EndpointConfigRow = typeof servingEndpointConfigs.$inferSelect;
export type NewEndpointConfig = Omit<typeof servingEndpointConfigs.$inferInsert, "createdAt">;
/** An endpoint with its owner's current name (Databricks' `creator`). */
export type OwnedEndpoint = EndpointRow & { ownerName: string };

/** The most endpoints one list answers (docs/serving.md): role allowances keep the real number far below. */
export const MAX_LISTED_ENDPOINTS = 1000;

const ownedColumns = { endpoint: servingEndpoints, ownerName: users.name };
const owned = (r: { endpoint: EndpointRow; ownerName: string }): OwnedEndpoint => ({ ...r.endpoint, ownerName: r.ownerName });

/** Inserts an endpoint; null when the name is taken. */
export async function insertEndpoint(db: Db, values: typeof servingEndpoints.$inferInsert): Promise<EndpointRow | null> {
  const rows = await db.insert(servingEndpoints).values(values).onConflictDoNothing().returning();
  return rows[0] ?? null;
}

/** The endpoint by name; `lock` holds its row until the transaction ends, so changes to it queue. */
export async function findEndpoint(db: Db, name: string, lock = false): Promise<OwnedEndpoint | undefined> {
  const query = db
    .select(ownedColumns)
    .from(servingEndpoints)
    .innerJoin(users, eq(users.id, servingEndpoints.ownerId))
    .where(eq(servingEndpoints.name, name))
    .limit(1);
  const rows = lock ? await query.for("update", { of: servingEndpoints }) : await query;
  return rows[0] && owned(rows[0]);
}

/** The endpoints that follow `<model>@<alias>`, their rows locked until the transaction ends. */
export async function endpointsFollowing(db: Db, followed: string): Promise<OwnedEndpoint[]> {
  const rows = await db
    .select(ownedColumns)
    .from(servingEndpoints)
    .innerJoin(users, eq(users.id, servingEndpoints.ownerId))
    .where(arrayContains(servingEndpoints.followedAliases, [followed]))
    .orderBy(asc(servingEndpoints.name))
    .for("update", { of: servingEndpoints });
  return rows.map(owned);
}

export async function listEndpoints(db: Db, readable: ReadFilter, limit = MAX_LISTED_ENDPOINTS): Promise<OwnedEndpoint[]> {
  const rows = await db
    .select(ownedColumns)
    .from(servingEndpoints)
    .innerJoin(users, eq(users.id, servingEndpoints.ownerId))
    .where(readable({ id: servingEndpoints.ownerId, project: servingEndpoints.projectId }))
    .orderBy(asc(servingEndpoints.name))
    .limit(limit);
  return rows.map(owned);
}

export async function updateEndpoint(
  db: Db,
  id: string,
  set: Partial<
    Pick<
      EndpointRow,
      | "pendingConfigId"
      | "activeConfigId"
      | "ready"
      | "configUpdate"
      | "stateReason"
      | "followedAliases"
      | "tags"
      | "logSampleRate"
      | "logSampleBytes"
      | "logRetentionDays"
    >
  >,
): Promise<EndpointRow> {
  const rows = await db
    .update(servingEndpoints)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(servingEndpoints.id, id))
    .returning();
  const row = rows[0];
  if (!row) throw new Error(`endpoint ${id} vanished inside its own transaction`);
  return row;
}

/** Deletes the endpoint with its configs and grants (cascade); its request log rows stay. */
export async function deleteEndpointRow(db: Db, id: string): Promise<void> {
  await db.delete(servingEndpoints).where(eq(servingEndpoints.id, id));
}

export async function insertEndpointConfig(db: Db, values: NewEndpointConfig): Promise<EndpointConfigRow> {
  const rows = await db.insert(servingEndpointConfigs).values(values).returning();
  const row = rows[0];
  if (!row) throw new Error("config insert returned no row");
  return row;
}

/** The next `config_version` of an endpoint; callers hold the endpoint's row lock. */
export async function nextConfigVersion(db: Db, endpointId: string): Promise<number> {
  const rows = await db
    .select({ max: sql<number>`coalesce(max(${servingEndpointConfigs.version}), 0)`.mapWith(Number) })
    .from(servingEndpointConfigs)
    .where(eq(servingEndpointConfigs.endpointId, endpointId));
  return (rows[0]?.max ?? 0) + 1;
}

export function findConfigs(db: Db, ids: readonly string[]): Promise<EndpointConfigRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(servingEndpointConfigs)
    .where(inArray(servingEndpointConfigs.id, [...ids]));
}

/**
 * The config each of the owner's (or the project's) endpoints holds resources for (the pending one while a change rolls out, else
 * the active one), except `exceptEndpointId`'s: what the serving allowance counts.
 */
export async function heldConfigs(
  db: Db,
  of: { ownerId: string } | { projectId: string },
  exceptEndpointId?: string,
): Promise<{ endpoints: number; configs: EndpointConfigRow[] }> {
  const owner = "ownerId" in of ? eq(servingEndpoints.ownerId, of.ownerId) : eq(servingEndpoints.projectId, of.projectId);
  const endpoints = await db
    .select({ held: sql<string | null>`coalesce(${servingEndpoints.pendingConfigId}, ${servingEndpoints.activeConfigId})` })
    .from(servingEndpoints)
    .where(exceptEndpointId ? and(owner, ne(servingEndpoints.id, exceptEndpointId)) : owner);
  const ids = endpoints.map((e) => e.held).filter((id): id is string => id !== null);
  return { endpoints: endpoints.length, configs: await findConfigs(db, ids) };
}

export interface GrantRow {
  granteeKind: InvokeGranteeKind;
  granteeId: string;
}

export function listGrants(db: Db, endpointId: string): Promise<GrantRow[]> {
  return db
    .select({ granteeKind: servingEndpointGrants.granteeKind, granteeId: servingEndpointGrants.granteeId })
    .from(servingEndpointGrants)
    .where(eq(servingEndpointGrants.endpointId, endpointId))
    .orderBy(asc(servingEndpointGrants.createdAt), asc(servingEndpointGrants.granteeId));
}

/** The grants as people read them: a person's current name, a token's id and its owner's name. */
export async function describeGrants(
  db: Db,
  endpointId: string,
): Promise<{ kind: InvokeGranteeKind; id: string; userName: string | null; tokenOwner: string | null }[]> {
  const grants = await listGrants(db, endpointId);
  const userIds = grants.filter((g) => g.granteeKind === "user").map((g) => g.granteeId);
  const tokenIds = grants.filter((g) => g.granteeKind === "token").map((g) => g.granteeId);
  const people = userIds.length ? await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, userIds)) : [];
  const tokens = tokenIds.length
    ? await db.select({ id: apiTokens.id, owner: apiTokens.userName }).from(apiTokens).where(inArray(apiTokens.id, tokenIds))
    : [];
  const nameOf = new Map(people.map((p) => [p.id, p.name]));
  const ownerOf = new Map(tokens.map((t) => [t.id, t.owner]));
  return grants.map((g) => ({
    kind: g.granteeKind,
    id: g.granteeId,
    userName: g.granteeKind === "user" ? (nameOf.get(g.granteeId) ?? null) : null,
    tokenOwner: g.granteeKind === "token" ? (ownerOf.get(g.granteeId) ?? null) : null,
  }));
}

/** Sets the endpoint's grants to exactly these (`replace`) or adds them. */
export async function writeGrants(
  db: Db,
  endpointId: string,
  grants: readonly GrantRow[],
  grantedById: string | null,
  mode: "add" | "replace",
): Promise<void> {
  if (mode === "replace") await db.delete(servingEndpointGrants).where(eq(servingEndpointGrants.endpointId, endpointId));
  if (grants.length === 0) return;
  await db
    .insert(servingEndpointGrants)
    .values(grants.map((g) => ({ endpointId, granteeKind: g.granteeKind, granteeId: g.granteeId, grantedById })))
    .onConflictDoNothing();
}

/** Removes one grant; whether there was one. */
export async function deleteGrant(db: Db, endpointId: string, grant: GrantRow): Promise<boolean> {
  const gone = await db
    .delete(servingEndpointGrants)
    .where(
      and(
        eq(servingEndpointGrants.endpointId, endpointId),
        eq(servingEndpointGrants.granteeKind, grant.granteeKind),
        eq(servingEndpointGrants.granteeId, grant.granteeId),
      ),
    )
    .returning({ id: servingEndpointGrants.granteeId });
  return gone.length > 0;
}

export async function countGrants(db: Db, endpointId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(servingEndpointGrants)
    .where(eq(servingEndpointGrants.endpointId, endpointId));
  return rows[0]?.n ?? 0;
}

/** People by name and tokens by id that exist, for checking a grant request. */
export async function findGrantees(
  db: Db,
  names: readonly string[],
  tokenIds: readonly string[],
): Promise<{ users: { id: string; name: string }[]; tokens: string[] }> {
  const people = names.length
    ? await db
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(inArray(users.name, [...names]))
    : [];
  const tokens = tokenIds.length
    ? await db
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(inArray(apiTokens.id, [...tokenIds]))
    : [];
  return { users: people, tokens: tokens.map((t) => t.id) };
}

/** Of these endpoints, the ids granted to this person or this very token. */
export async function endpointsGrantedTo(
  db: Db,
  endpointIds: readonly string[],
  who: { userId?: string; tokenId?: string },
): Promise<Set<string>> {
  const grantee = [
    ...(who.userId ? [and(eq(servingEndpointGrants.granteeKind, "user"), eq(servingEndpointGrants.granteeId, who.userId))] : []),
    ...(who.tokenId ? [and(eq(servingEndpointGrants.granteeKind, "token"), eq(servingEndpointGrants.granteeId, who.tokenId))] : []),
  ];
  if (endpointIds.length === 0 || grantee.length === 0) return new Set();
  const rows = await db
    .select({ id: servingEndpointGrants.endpointId })
    .from(servingEndpointGrants)
    .where(and(inArray(servingEndpointGrants.endpointId, [...endpointIds]), or(...grantee)));
  return new Set(rows.map((r) => r.id));
}
