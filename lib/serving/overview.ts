/**
 * What the serving pages show of endpoints beyond Databricks' JSON (docs/serving.md, "The pages"): the list's
 * requests in the last hour, and for one endpoint its config revisions (each with the config a rollback PUTs), its
 * replicas per state (a rollout's progress) and, for its managers, who may call it.
 */
import type { Db } from "@/db/client";
import { describeGrants, type EndpointConfigRow } from "@/db/queries/serving";
import { listRevisions, replicaCounts, type ReplicaCount } from "@/db/queries/serving-pages";
import { requestCountsSince } from "@/db/queries/serving-request-log";
import { can } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { endpointNamed, resourceOf } from "./access";
import { getEndpoint, listEndpoints } from "./endpoints";
import type { EndpointConfigInput } from "./schemas";
import type { EndpointView } from "./view";

/** A stored revision as the config input that makes it again (a rollback is a PUT of this). */
export function configInputOf(c: EndpointConfigRow): EndpointConfigInput {
  return {
    served_entities: c.servedEntities.map((e) => ({
      name: e.name,
      entity_name: e.entityName,
      ...(e.entityAlias !== null ? { entity_alias: e.entityAlias } : { entity_version: String(e.entityVersion) }),
      workload_size: e.workloadSize as "Small" | "Medium" | "Large",
      cpu: e.cpu,
      memory_gb: e.memGb,
      scale_to_zero_enabled: e.scaleToZeroEnabled,
      min_replicas: e.minReplicas,
      max_replicas: e.maxReplicas,
      ...(e.environmentId !== null ? { environment: e.environmentId } : {}),
    })),
    traffic_config: { routes: c.routes.map((r) => ({ served_entity_name: r.servedEntityName, traffic_percentage: r.trafficPercentage })) },
    ...(c.shadowEntity !== null ? { shadow_entity_name: c.shadowEntity } : {}),
  };
}

const HOUR = 3_600_000;

/** The endpoints list: each endpoint as the API answers it, plus its requests in the last hour. */
export async function endpointsOverview(
  db: Db,
  caller: Principal,
  now = new Date(),
): Promise<{ endpoint: EndpointView; requestsLastHour: number }[]> {
  const { endpoints } = await listEndpoints(db, caller);
  const counts = await requestCountsSince(
    db,
    endpoints.map((e) => e.id),
    new Date(now.getTime() - HOUR),
  );
  return endpoints.map((endpoint) => ({ endpoint, requestsLastHour: counts.get(endpoint.id) ?? 0 }));
}

export interface RevisionView {
  version: number;
  created_by: string;
  created_at: number;
  served_entities: {
    name: string;
    model: string;
    version: number;
    alias: string | null;
    cpu: number;
    memory_gb: number;
    min_replicas: number;
    max_replicas: number;
    scale_to_zero: boolean;
  }[];
  routes: { served_entity_name: string; traffic_percentage: number }[];
  shadow_entity_name: string | null;
  role: "active" | "pending" | null;
  /** The body of PUT …/config that makes this revision again. */
  config: EndpointConfigInput;
}

export interface EndpointPage {
  endpoint: EndpointView;
  may_manage: boolean;
  may_read_log: boolean;
  revisions: RevisionView[];
  /** Replicas per revision, served entity and state (stopped ones left out): a rollout's progress. */
  replicas: { config_version: number | null; served_entity: string; state: ReplicaCount["state"]; count: number; reason: string | null }[];
  /** Who may call it besides its owner and admins; null unless the caller manages it. */
  grants: { kind: "user" | "token"; id: string; name: string | null; token_owner: string | null }[] | null;
  requests_last_hour: number;
}

/** GET /api/serving/<name>: everything the endpoint page polls. */
export async function endpointPage(db: Db, caller: Principal, name: string, now = new Date()): Promise<EndpointPage> {
  const endpoint = await getEndpoint(db, caller, name);
  const e = await endpointNamed(db, name);
  const manage = can(caller, "write", resourceOf(e));
  const revisions = await listRevisions(db, e.id);
  const versionOf = new Map(revisions.map((r) => [r.id, r.version]));
  const replicas = await replicaCounts(db, e.id);
  const counts = await requestCountsSince(db, [e.id], new Date(now.getTime() - HOUR));
  return {
    endpoint,
    may_manage: manage,
    may_read_log: manage,
    revisions: revisions.map((r) => ({
      version: r.version,
      created_by: r.createdByName,
      created_at: r.createdAt.getTime(),
      served_entities: r.servedEntities.map((s) => ({
        name: s.name,
        model: s.entityName,
        version: s.entityVersion,
        alias: s.entityAlias,
        cpu: s.cpu,
        memory_gb: s.memGb,
        min_replicas: s.minReplicas,
        max_replicas: s.maxReplicas,
        scale_to_zero: s.scaleToZeroEnabled,
      })),
      routes: r.routes.map((x) => ({ served_entity_name: x.servedEntityName, traffic_percentage: x.trafficPercentage })),
      shadow_entity_name: r.shadowEntity,
      role: r.id === e.activeConfigId ? "active" : r.id === e.pendingConfigId ? "pending" : null,
      config: configInputOf(r),
    })),
    replicas: replicas.map((r) => ({
      config_version: versionOf.get(r.configId) ?? null,
      served_entity: r.servedEntity,
      state: r.state,
      count: r.count,
      reason: r.reason,
    })),
    grants: manage
      ? (await describeGrants(db, e.id)).map((g) => ({ kind: g.kind, id: g.id, name: g.userName, token_owner: g.tokenOwner }))
      : null,
    requests_last_hour: counts.get(e.id) ?? 0,
  };
}
