/**
 * What the invocations proxy reads and writes (lib/serving/proxy-policy.ts): an endpoint with its active config,
 * its grants and the ready replicas of that config (rows the reconciler writes), the wake request of a
 * scaled-to-zero endpoint, and when it was last called.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { servingEndpointConfigs, servingEndpoints, servingReplicas, type ServedEntityRecord, type TrafficRouteRecord } from "../schema";
import { findEndpoint, listGrants, type GrantRow, type OwnedEndpoint } from "./serving";

export interface ReadyReplica {
  id: string;
  servedEntity: string;
  modelVersion: number;
  url: string;
}

interface ActiveConfig {
  id: string;
  servedEntities: ServedEntityRecord[];
  routes: TrafficRouteRecord[];
  shadowEntity: string | null;
}

/** An endpoint as the proxy routes to it. */
export interface Routing {
  endpoint: OwnedEndpoint;
  grants: GrantRow[];
  /** Null until a config has been rolled out. */
  config: ActiveConfig | null;
  replicas: ReadyReplica[];
}

/** The ready replicas of one config revision that have an address. */
export async function readyReplicas(db: Db, endpointId: string, configId: string): Promise<ReadyReplica[]> {
  const rows = await db
    .select({
      id: servingReplicas.id,
      servedEntity: servingReplicas.servedEntity,
      modelVersion: servingReplicas.modelVersion,
      url: servingReplicas.url,
    })
    .from(servingReplicas)
    .where(
      and(
        eq(servingReplicas.endpointId, endpointId),
        eq(servingReplicas.configId, configId),
        eq(servingReplicas.state, "ready"),
        isNotNull(servingReplicas.url),
      ),
    )
    .orderBy(asc(servingReplicas.id));
  return rows.flatMap((r) => (r.url ? [{ ...r, url: r.url }] : []));
}

/** The endpoint named so, or undefined. */
export async function routingOf(db: Db, name: string): Promise<Routing | undefined> {
  const endpoint = await findEndpoint(db, name);
  if (!endpoint) return undefined;
  const configId = endpoint.activeConfigId;
  const [grants, configs, replicas] = await Promise.all([
    listGrants(db, endpoint.id),
    configId
      ? db
          .select({
            id: servingEndpointConfigs.id,
            servedEntities: servingEndpointConfigs.servedEntities,
            routes: servingEndpointConfigs.routes,
            shadowEntity: servingEndpointConfigs.shadowEntity,
          })
          .from(servingEndpointConfigs)
          .where(eq(servingEndpointConfigs.id, configId))
      : Promise.resolve([]),
    configId ? readyReplicas(db, endpoint.id, configId) : Promise.resolve([]),
  ]);
  return { endpoint, grants, config: configs[0] ?? null, replicas };
}

/** A call found no ready replica of a scaled-to-zero entity: the reconciler starts one (at most one write a second). */
export async function requestWake(db: Db, endpointId: string): Promise<void> {
  await db
    .update(servingEndpoints)
    .set({ wakeRequestedAt: new Date() })
    .where(
      and(
        eq(servingEndpoints.id, endpointId),
        sql`(${servingEndpoints.wakeRequestedAt} is null or ${servingEndpoints.wakeRequestedAt} < now() - interval '1 second')`,
      ),
    );
}

/** Records calls for scale to zero's idle clock; only moves forward. */
export async function touchInvoked(db: Db, endpointIds: readonly string[], at: Date): Promise<void> {
  if (endpointIds.length === 0) return;
  await db
    .update(servingEndpoints)
    .set({ lastInvokedAt: at })
    .where(
      and(
        inArray(servingEndpoints.id, [...endpointIds]),
        or(isNull(servingEndpoints.lastInvokedAt), lt(servingEndpoints.lastInvokedAt, at)),
      ),
    );
}
