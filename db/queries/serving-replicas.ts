/**
 * SQL for serving replicas (docs/serving.md, "Replicas"): the reconciler (lib/serving/reconcile.ts) writes them,
 * the invocations proxy reads the ready ones of an endpoint's active config. Also the endpoints as the reconciler
 * walks them and the replicas' bundle tokens (api_tokens of kind "bundle").
 */
import { and, asc, eq, inArray, like, notInArray } from "drizzle-orm";
import type { Db } from "../client";
import { apiTokens, servingEndpoints, servingReplicas, users, type ReplicaState } from "../schema";

export type ReplicaRow = typeof servingReplicas.$inferSelect;
export type NewReplica = Pick<ReplicaRow, "id" | "endpointId" | "configId" | "servedEntity" | "modelVersion">;

/** The states in which a replica holds a workload. */
const LIVE_REPLICA_STATES: readonly ReplicaState[] = ["starting", "ready", "draining"];

export async function insertReplica(db: Db, values: NewReplica): Promise<ReplicaRow> {
  const rows = await db.insert(servingReplicas).values(values).returning();
  const row = rows[0];
  if (!row) throw new Error("replica insert returned no row");
  return row;
}

export async function updateReplica(
  db: Db,
  id: string,
  set: Partial<Pick<ReplicaRow, "state" | "url" | "reason" | "readyAt">>,
  now = new Date(),
): Promise<void> {
  await db
    .update(servingReplicas)
    .set({ ...set, updatedAt: now })
    .where(eq(servingReplicas.id, id));
}

export function findReplica(db: Db, id: string): Promise<ReplicaRow | undefined> {
  return db
    .select()
    .from(servingReplicas)
    .where(eq(servingReplicas.id, id))
    .limit(1)
    .then((rows) => rows[0]);
}

/** The replicas that hold a workload, every endpoint's, oldest first. */
export function liveReplicas(db: Db, endpointId?: string): Promise<ReplicaRow[]> {
  const live = inArray(servingReplicas.state, [...LIVE_REPLICA_STATES]);
  return db
    .select()
    .from(servingReplicas)
    .where(endpointId ? and(live, eq(servingReplicas.endpointId, endpointId)) : live)
    .orderBy(asc(servingReplicas.startedAt), asc(servingReplicas.id));
}

/** Every replica of an endpoint, whatever its state, oldest first (the endpoint page, tests). */
export function replicasOfEndpoint(db: Db, endpointId: string): Promise<ReplicaRow[]> {
  return db
    .select()
    .from(servingReplicas)
    .where(eq(servingReplicas.endpointId, endpointId))
    .orderBy(asc(servingReplicas.startedAt), asc(servingReplicas.id));
}

/** An endpoint as the reconciler walks it: its row and its owner's name and role. */
export type ReconciledEndpoint = typeof servingEndpoints.$inferSelect & { ownerName: string; ownerRole: string };

/** Every endpoint (the serving allowance keeps them few), by name. */
export async function endpointsToReconcile(db: Db): Promise<ReconciledEndpoint[]> {
  const rows = await db
    .select({ endpoint: servingEndpoints, ownerName: users.name, ownerRole: users.role })
    .from(servingEndpoints)
    .innerJoin(users, eq(users.id, servingEndpoints.ownerId))
    .orderBy(asc(servingEndpoints.name));
  return rows.map((r) => ({ ...r.endpoint, ownerName: r.ownerName, ownerRole: r.ownerRole }));
}

const BUNDLE_TOKEN_PREFIX = "bundle_";
/** A replica's bundle token's id: one per replica, so revoking it needs nothing but the replica's id. */
const bundleTokenId = (replicaId: string) => `${BUNDLE_TOKEN_PREFIX}${replicaId}`;

export async function insertBundleToken(db: Db, replicaId: string, owner: { id: string; name: string }, hash: string): Promise<void> {
  await db.insert(apiTokens).values({
    id: bundleTokenId(replicaId),
    userName: owner.name,
    ownerId: owner.id,
    hash,
    kind: "bundle",
    note: `serving replica ${replicaId}`,
    scopes: [],
  });
}

/** Whether this hash is the bundle token of this very replica. */
export async function isBundleTokenOf(db: Db, replicaId: string, hash: string): Promise<boolean> {
  const rows = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, bundleTokenId(replicaId)), eq(apiTokens.hash, hash), eq(apiTokens.kind, "bundle")))
    .limit(1);
  return rows.length > 0;
}

export async function deleteBundleToken(db: Db, replicaId: string): Promise<void> {
  await db.delete(apiTokens).where(and(eq(apiTokens.id, bundleTokenId(replicaId)), eq(apiTokens.kind, "bundle")));
}

/** Removes the bundle tokens of replicas that are gone or no longer starting (a deleted endpoint's, a crash's). */
export async function deleteStaleBundleTokens(db: Db): Promise<void> {
  const starting = await db.select({ id: servingReplicas.id }).from(servingReplicas).where(eq(servingReplicas.state, "starting"));
  const keep = starting.map((r) => bundleTokenId(r.id));
  const bundles = and(eq(apiTokens.kind, "bundle"), like(apiTokens.id, `${BUNDLE_TOKEN_PREFIX}%`));
  await db.delete(apiTokens).where(keep.length ? and(bundles, notInArray(apiTokens.id, keep)) : bundles);
}

/** Of these user ids, the ones this database has. */
export async function knownUserIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(inArray(users.id, [...ids]));
  return new Set(rows.map((r) => r.id));
}

/** Makes the pending config the active one, if it is still the pending one; whether it did. */
export async function promoteConfig(db: Db, endpointId: string, configId: string): Promise<boolean> {
  const rows = await db
    .update(servingEndpoints)
    .set({
      activeConfigId: configId,
      pendingConfigId: null,
      ready: "READY",
      configUpdate: "NOT_UPDATING",
      stateReason: null,
      updatedAt: new Date(),
    })
    .where(and(eq(servingEndpoints.id, endpointId), eq(servingEndpoints.pendingConfigId, configId)))
    .returning({ id: servingEndpoints.id });
  return rows.length > 0;
}

export async function setEndpointState(
  db: Db,
  endpointId: string,
  set: Partial<Pick<typeof servingEndpoints.$inferSelect, "ready" | "configUpdate" | "stateReason">>,
): Promise<void> {
  await db
    .update(servingEndpoints)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(servingEndpoints.id, endpointId));
}
