/**
 * From a config as the client sent it (Databricks' EndpointCoreConfigInput) to the revision Atrium stores: every
 * served entity names a model version the caller may read (an alias resolved to the version it points at now),
 * sizes are CPUs and GiB per replica, and the routes send 100 % of the traffic to served entities only.
 */
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { findAlias, findModelVersion, findRegisteredModel } from "@/db/queries/registry";
import type { ServedEntityRecord, TrafficRouteRecord } from "@/db/schema";
import { assertCan, environmentRefusal, registeredModelResource, type Caller } from "@/lib/auth/access";
import { invalidEndpointInput, servingError } from "./errors";
import { WORKLOAD_SIZES, type EndpointConfigInput, type ServedEntityInput } from "./schemas";

export interface ResolvedConfig {
  servedEntities: ServedEntityRecord[];
  routes: TrafficRouteRecord[];
  shadowEntity: string | null;
  /** "<model>@<alias>" of the entities that follow an alias. */
  followedAliases: string[];
}

const denied = (message: string) => servingError("PERMISSION_DENIED", message);

/** Databricks' default served entity name, "<entity_name>-<entity_version>", kept to the name rule. */
function defaultEntityName(model: string, versionOrAlias: string): string {
  return `${model}-${versionOrAlias}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 63);
}

async function resolveVersion(
  db: Db,
  caller: Caller,
  at: string,
  input: ServedEntityInput,
): Promise<{ version: number; alias: string | null }> {
  if ((input.entity_version === undefined) === (input.entity_alias === undefined)) {
    throw invalidEndpointInput(`${at} must name exactly one of entity_version and entity_alias.`);
  }
  const model = await findRegisteredModel(db, input.entity_name);
  if (!model) throw invalidEndpointInput(`${at}: there is no registered model "${input.entity_name}".`);
  assertCan(caller, "read", registeredModelResource(model), (r) => denied(r.message));
  let version: number;
  if (input.entity_alias !== undefined) {
    const alias = await findAlias(db, model.name, input.entity_alias);
    if (!alias) throw invalidEndpointInput(`${at}: model "${model.name}" has no alias "${input.entity_alias}".`);
    version = alias.version;
  } else {
    version = Number(input.entity_version);
  }
  const row = await findModelVersion(db, model.name, version);
  if (!row) throw invalidEndpointInput(`${at}: model "${model.name}" has no version ${version}.`);
  if (row.status !== "READY") throw invalidEndpointInput(`${at}: version ${version} of "${model.name}" is ${row.status}, not READY.`);
  return { version, alias: input.entity_alias ?? null };
}

/** Replicas: at least one unless it may scale to zero, and never fewer at most than at least. */
function replicasOf(at: string, input: ServedEntityInput): { scaleToZero: boolean; min: number; max: number } {
  const scaleToZero = input.scale_to_zero_enabled ?? false;
  const min = input.min_replicas ?? (scaleToZero ? 0 : 1);
  const max = input.max_replicas ?? Math.max(1, min);
  if (min === 0 && !scaleToZero) throw invalidEndpointInput(`${at}: min_replicas 0 needs scale_to_zero_enabled true.`);
  if (min > 0 && scaleToZero) throw invalidEndpointInput(`${at}: scale_to_zero_enabled needs min_replicas 0 (it is ${min}).`);
  if (min > max) throw invalidEndpointInput(`${at}: min_replicas (${min}) is more than max_replicas (${max}).`);
  return { scaleToZero, min, max };
}

/** The environment, if one is named: it exists, the owner's role may use it, and the size fits its own ceiling. */
async function resolveEnvironment(
  db: Db,
  at: string,
  input: ServedEntityInput,
  ownerRole: string,
  cpu: number,
  memGb: number,
): Promise<string | null> {
  if (input.environment === undefined) return null;
  const env = await findEnvironment(db, input.environment);
  if (!env) throw invalidEndpointInput(`${at}: there is no environment "${input.environment}".`);
  const refusal = environmentRefusal(ownerRole, env);
  if (refusal) throw denied(refusal.message);
  if (env.maxCpu !== null && cpu > env.maxCpu)
    throw invalidEndpointInput(`${at}: the environment "${env.id}" allows at most ${env.maxCpu} CPUs per replica.`);
  if (env.maxMemGb !== null && memGb > env.maxMemGb)
    throw invalidEndpointInput(`${at}: the environment "${env.id}" allows at most ${env.maxMemGb} GiB per replica.`);
  return env.id;
}

async function resolveEntity(db: Db, caller: Caller, ownerRole: string, input: ServedEntityInput, i: number): Promise<ServedEntityRecord> {
  const at = `served_entities[${i}]`;
  const { version, alias } = await resolveVersion(db, caller, at, input);
  const size = input.workload_size ?? "Small";
  const cpu = input.cpu ?? WORKLOAD_SIZES[size].cpu;
  const memGb = input.memory_gb ?? WORKLOAD_SIZES[size].memGb;
  const replicas = replicasOf(at, input);
  return {
    name: input.name ?? defaultEntityName(input.entity_name, alias ?? String(version)),
    entityName: input.entity_name,
    entityVersion: version,
    entityAlias: alias,
    workloadSize: size,
    cpu,
    memGb,
    scaleToZeroEnabled: replicas.scaleToZero,
    minReplicas: replicas.min,
    maxReplicas: replicas.max,
    environmentId: await resolveEnvironment(db, at, input, ownerRole, cpu, memGb),
  };
}

/** The routes: named entities only, each once, never the shadow, adding up to 100. One entity alone gets all of it. */
function resolveRoutes(input: EndpointConfigInput, names: readonly string[], shadow: string | null): TrafficRouteRecord[] {
  const routed = names.filter((n) => n !== shadow);
  if (!input.traffic_config) {
    if (routed.length === 1 && routed[0]) return [{ servedEntityName: routed[0], trafficPercentage: 100 }];
    throw invalidEndpointInput("traffic_config.routes must say how the traffic is split when there are several served entities.");
  }
  const routes: TrafficRouteRecord[] = [];
  input.traffic_config.routes.forEach((r, i) => {
    const at = `traffic_config.routes[${i}]`;
    const name = r.served_entity_name ?? r.served_model_name;
    if (name === undefined) throw invalidEndpointInput(`${at} must name a served entity in served_entity_name.`);
    if (r.served_entity_name !== undefined && r.served_model_name !== undefined && r.served_entity_name !== r.served_model_name) {
      throw invalidEndpointInput(`${at} names two different entities ("${r.served_model_name}" and "${r.served_entity_name}").`);
    }
    if (!names.includes(name)) throw invalidEndpointInput(`${at} names "${name}", which is not a served entity (${names.join(", ")}).`);
    if (name === shadow) throw invalidEndpointInput(`${at} routes traffic to "${name}", the shadow entity, which only gets copies.`);
    if (routes.some((x) => x.servedEntityName === name)) throw invalidEndpointInput(`${at} names "${name}" a second time.`);
    routes.push({ servedEntityName: name, trafficPercentage: r.traffic_percentage });
  });
  const sum = routes.reduce((s, r) => s + r.trafficPercentage, 0);
  if (sum !== 100) throw invalidEndpointInput(`The traffic percentages add up to ${sum}; they must add up to 100.`);
  return routes;
}

/**
 * Checks and resolves a config for an endpoint owned by someone of `ownerRole` (environments are allowed by the
 * owner's role, who holds the containers); the caller must be allowed to read each model.
 */
export async function resolveConfig(db: Db, caller: Caller, ownerRole: string, input: EndpointConfigInput): Promise<ResolvedConfig> {
  const servedEntities: ServedEntityRecord[] = [];
  for (const [i, entity] of input.served_entities.entries()) servedEntities.push(await resolveEntity(db, caller, ownerRole, entity, i));
  const names = servedEntities.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw invalidEndpointInput(`Two served entities are named "${twice}"; give each its own name.`);
  const shadow = input.shadow_entity_name ?? null;
  if (shadow !== null && !names.includes(shadow)) {
    throw invalidEndpointInput(`shadow_entity_name names "${shadow}", which is not a served entity (${names.join(", ")}).`);
  }
  if (shadow !== null && names.length < 2) throw invalidEndpointInput("A shadow entity needs another served entity to take the traffic.");
  const routes = resolveRoutes(input, names, shadow);
  const followedAliases = [...new Set(servedEntities.filter((e) => e.entityAlias !== null).map((e) => `${e.entityName}@${e.entityAlias}`))];
  return { servedEntities, routes, shadowEntity: shadow, followedAliases };
}
