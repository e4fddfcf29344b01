/**
 * An endpoint as Databricks' REST API answers it (ServingEndpointDetailed), which MLflow's Databricks deployment
 * client returns as a dict: name, id, creator, timestamps in epoch ms, state, `config` (what serves) and
 * `pending_config` (what is being rolled out). Atrium's additions sit on the served entities (cpu, memory_gb,
 * min_replicas, max_replicas, environment, entity_alias) and the config (shadow_entity_name, and the request log's
 * settings in auto_capture_config).
 */
import type { EndpointConfigRow, OwnedEndpoint } from "@/db/queries/serving";
import type { ServedEntityRecord } from "@/db/schema";

export type PermissionLevel = "CAN_MANAGE" | "CAN_QUERY" | "CAN_VIEW";
type Deployment = "DEPLOYMENT_CREATING" | "DEPLOYMENT_READY" | "DEPLOYMENT_RECOVERING" | "DEPLOYMENT_FAILED";

function entityView(e: ServedEntityRecord, config: EndpointConfigRow, deployment: Deployment, message: string) {
  return {
    name: e.name,
    entity_name: e.entityName,
    entity_version: String(e.entityVersion),
    ...(e.entityAlias !== null ? { entity_alias: e.entityAlias } : {}),
    workload_size: e.workloadSize,
    workload_type: "CPU",
    scale_to_zero_enabled: e.scaleToZeroEnabled,
    cpu: e.cpu,
    memory_gb: e.memGb,
    min_replicas: e.minReplicas,
    max_replicas: e.maxReplicas,
    environment: e.environmentId,
    creator: config.createdByName,
    creation_timestamp: config.createdAt.getTime(),
    state: { deployment, deployment_state_message: message },
  };
}

/** Databricks' `auto_capture_config`, with Atrium's request log settings; the endpoint's, whichever revision serves. */
function autoCaptureView(e: OwnedEndpoint) {
  return {
    enabled: e.logSampleRate > 0,
    log_sample_rate: e.logSampleRate,
    log_sample_bytes: e.logSampleBytes,
    log_retention_days: e.logRetentionDays,
  };
}

function configView(e: OwnedEndpoint, config: EndpointConfigRow, deployment: Deployment, message: string) {
  return {
    served_entities: config.servedEntities.map((e) => entityView(e, config, deployment, message)),
    traffic_config: {
      routes: config.routes.map((r) => ({
        served_model_name: r.servedEntityName,
        served_entity_name: r.servedEntityName,
        traffic_percentage: r.trafficPercentage,
      })),
    },
    ...(config.shadowEntity !== null ? { shadow_entity_name: config.shadowEntity } : {}),
    auto_capture_config: autoCaptureView(e),
    config_version: config.version,
  };
}

/** The endpoint for a caller with this permission level; `configs` holds at least its active and pending revisions. */
export function endpointView(e: OwnedEndpoint, configs: ReadonlyMap<string, EndpointConfigRow>, permissionLevel: PermissionLevel) {
  const active = e.activeConfigId ? configs.get(e.activeConfigId) : undefined;
  const pending = e.pendingConfigId ? configs.get(e.pendingConfigId) : undefined;
  const message = e.stateReason ?? "";
  const pendingDeployment: Deployment = e.configUpdate === "UPDATE_FAILED" ? "DEPLOYMENT_FAILED" : "DEPLOYMENT_CREATING";
  return {
    name: e.name,
    id: e.id,
    creator: e.ownerName,
    creation_timestamp: e.createdAt.getTime(),
    last_updated_timestamp: e.updatedAt.getTime(),
    state: { ready: e.ready, config_update: e.configUpdate },
    ...(active ? { config: configView(e, active, e.ready === "READY" ? "DEPLOYMENT_READY" : "DEPLOYMENT_RECOVERING", message) } : {}),
    ...(pending
      ? { pending_config: { ...configView(e, pending, pendingDeployment, message), start_time: pending.createdAt.getTime() } }
      : {}),
    tags: e.tags,
    permission_level: permissionLevel,
    route_optimized: false,
  };
}
export type EndpointView = ReturnType<typeof endpointView>;
