/** SQL the serving pages read besides the request log: an endpoint's config revisions and its replicas' states. */
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { servingEndpointConfigs, servingReplicas, type ReplicaState } from "../schema";
import type { EndpointConfigRow } from "./serving";

/** The most revisions the endpoint page lists, newest first. */
const MAX_LISTED_REVISIONS = 50;

export function listRevisions(db: Db, endpointId: string, limit = MAX_LISTED_REVISIONS): Promise<EndpointConfigRow[]> {
  return db
    .select()
    .from(servingEndpointConfigs)
    .where(eq(servingEndpointConfigs.endpointId, endpointId))
    .orderBy(desc(servingEndpointConfigs.version))
    .limit(limit);
}

export interface ReplicaCount {
  configId: string;
  servedEntity: string;
  state: ReplicaState;
  count: number;
  /** A failed or stopped replica's reason (the newest), for the page to say why. */
  reason: string | null;
}

/** Replicas per config, served entity and state, the stopped ones left out (they are history). */
export async function replicaCounts(db: Db, endpointId: string): Promise<ReplicaCount[]> {
  const rows = await db
    .select({
      configId: servingReplicas.configId,
      servedEntity: servingReplicas.servedEntity,
      state: servingReplicas.state,
      count: sql<number>`count(*)`.mapWith(Number),
      reason: sql<string | null>`(array_agg(${servingReplicas.reason} order by ${servingReplicas.updatedAt} desc))[1]`,
    })
    .from(servingReplicas)
    .where(sql`${servingReplicas.endpointId} = ${endpointId} and ${servingReplicas.state} <> 'stopped'`)
    .groupBy(servingReplicas.configId, servingReplicas.servedEntity, servingReplicas.state)
    .orderBy(servingReplicas.configId, servingReplicas.servedEntity, servingReplicas.state);
  return rows;
}
