/**
 * Serving endpoints' lifecycle as the serving-endpoints API drives it (docs/serving.md): create, read, list, change
 * the config, delete. Each change is one transaction with its audit entry and its outbox event. Every function
 * asks the access rule itself, so a caller that skips the route is refused too.
 * The reconciler (reconcile.ts) rolls a pending config out; a change while one is in progress is refused.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import {
  deleteEndpointRow,
  endpointsGrantedTo,
  findConfigs,
  findEndpoint,
  insertEndpoint,
  insertEndpointConfig,
  listEndpoints as listEndpointRows,
  nextConfigVersion,
  updateEndpoint,
  type EndpointRow,
  type OwnedEndpoint,
} from "@/db/queries/serving";
import { lockUserById } from "@/db/queries/users";
import { readableBy } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { recordEvents } from "@/lib/events/outbox";
import { assertMay, endpointNamed, permissionLevelOf } from "./access";
import { judgeInProject } from "@/lib/projects/allowance";
import { projectToCreateIn } from "@/lib/projects/manage";
import { assertWithinAllowance, holdOf } from "./allowance";
import { resolveConfig, type ResolvedConfig } from "./config";
import { servingError } from "./errors";
import { endpointEvent } from "./events";
import { MAX_TAGS, type AutoCaptureConfigInput, type CreateEndpointInput, type EndpointConfigInput, type PatchTagsInput } from "./schemas";
import { endpointView, type EndpointView } from "./view";

/** What an endpoint's state says while its pending config is rolled out (reconcile.ts). */
export const ROLLING_OUT = "The pending config is being rolled out: its replicas are starting.";

const newId = () => randomBytes(16).toString("hex");

/** Refuses a change while a config is being rolled out (the endpoint's row is locked, so the check holds). */
export function assertNotRollingOut(e: Pick<EndpointRow, "name" | "pendingConfigId" | "configUpdate">): void {
  if (e.pendingConfigId !== null && e.configUpdate === "IN_PROGRESS") {
    throw servingError(
      "RESOURCE_CONFLICT",
      `The endpoint "${e.name}" is rolling out a config; wait until its config_update is no longer IN_PROGRESS and try again.`,
    );
  }
}

/** The owner's row (by id), locked (allowance checks one at a time), and role. */
async function ownerAndRole(db: Db, ownerId: string, ownerName: string) {
  const owner = await lockUserById(db, ownerId);
  const role = owner && (await findRole(db, owner.role));
  if (!owner || !role) throw servingError("PERMISSION_DENIED", `The account "${ownerName}" no longer exists.`);
  return { owner, role };
}

/** Stores a resolved config as the endpoint's next revision and makes it the pending one. */
export async function addRevision(db: Db, actor: Principal, endpoint: EndpointRow, resolved: ResolvedConfig): Promise<number> {
  const version = await nextConfigVersion(db, endpoint.id);
  const config = await insertEndpointConfig(db, {
    id: newId(),
    endpointId: endpoint.id,
    version,
    servedEntities: resolved.servedEntities,
    routes: resolved.routes,
    shadowEntity: resolved.shadowEntity,
    createdById: actor.userId ?? null,
    createdByName: actor.name,
  });
  await updateEndpoint(db, endpoint.id, {
    pendingConfigId: config.id,
    configUpdate: "IN_PROGRESS",
    stateReason: ROLLING_OUT,
    followedAliases: resolved.followedAliases,
  });
  return version;
}

/** The request log's settings an `auto_capture_config` gives; what it leaves out stays as it is. */
export function logSettingsOf(
  c: AutoCaptureConfigInput | undefined,
): Partial<Pick<EndpointRow, "logSampleRate" | "logSampleBytes" | "logRetentionDays">> {
  if (!c) return {};
  const rate = c.enabled === false ? 0 : c.log_sample_rate;
  return {
    ...(rate !== undefined ? { logSampleRate: rate } : {}),
    ...(c.log_sample_bytes !== undefined ? { logSampleBytes: c.log_sample_bytes } : {}),
    ...(c.log_retention_days !== undefined ? { logRetentionDays: c.log_retention_days } : {}),
  };
}

/** What the audit log and the events say about a config. */
export const configSummary = (version: number, r: ResolvedConfig) => ({
  config_version: version,
  served_entities: r.servedEntities.map((e) => ({ name: e.name, model: e.entityName, version: e.entityVersion, alias: e.entityAlias })),
  routes: r.routes.map((x) => ({ served_entity_name: x.servedEntityName, traffic_percentage: x.trafficPercentage })),
  shadow_entity_name: r.shadowEntity,
});

async function viewOf(db: Db, caller: Principal, e: OwnedEndpoint): Promise<EndpointView> {
  const ids = [e.activeConfigId, e.pendingConfigId].filter((id): id is string => id !== null);
  const configs = new Map((await findConfigs(db, ids)).map((c) => [c.id, c]));
  const granted = (await endpointsGrantedTo(db, [e.id], caller)).has(e.id);
  return endpointView(e, configs, permissionLevelOf(caller, e, granted));
}

/** POST /api/2.0/serving-endpoints: the caller owns the new endpoint. */
/** Refuses (RESOURCE_EXHAUSTED) a config that does not fit its project's allowance; callers hold the owner's row lock. */
async function assertWithinProjectAllowance(
  tx: Db,
  projectId: string | null,
  entities: ResolvedConfig["servedEntities"],
  endpoint: { newEndpoint: true } | { newEndpoint: false; id: string },
): Promise<void> {
  if (projectId === null) return;
  const exceptEndpointId = endpoint.newEndpoint ? undefined : endpoint.id;
  const ask = { what: "endpoint" as const, newEndpoint: endpoint.newEndpoint, exceptEndpointId, ...holdOf(entities) };
  const verdict = await judgeInProject(tx, projectId, ask);
  if (!verdict.fits) throw servingError("RESOURCE_EXHAUSTED", verdict.reason);
}

/**
 * POST /api/2.0/serving-endpoints. `workspace`: the client's `X-MLFLOW-WORKSPACE`; the body's `project` wins over
 * it. Creating in a project needs EDIT there (its editors and owners).
 */
export async function createEndpoint(db: Db, caller: Principal, input: CreateEndpointInput, workspace?: string): Promise<EndpointView> {
  if (caller.userId === undefined) {
    throw servingError("PERMISSION_DENIED", "The bootstrap token has no account to own an endpoint; create it with a person's API token.");
  }
  const ownerId = caller.userId;
  const exists = () => servingError("RESOURCE_ALREADY_EXISTS", `A serving endpoint named "${input.name}" already exists.`);
  const project = await projectToCreateIn(db, caller, input.project ?? workspace, "write", "create a serving endpoint");
  const projectId = project?.id ?? null;
  return db.transaction(async (tx) => {
    const { role } = await ownerAndRole(tx, ownerId, caller.name);
    if (await findEndpoint(tx, input.name)) throw exists();
    const resolved = await resolveConfig(tx, caller, role.name, input.config);
    await assertWithinAllowance(tx, role, ownerId, resolved.servedEntities, { newEndpoint: true });
    await assertWithinProjectAllowance(tx, projectId, resolved.servedEntities, { newEndpoint: true });
    const endpoint = await insertEndpoint(tx, {
      id: newId(),
      name: input.name,
      ownerId,
      tags: input.tags ?? [],
      projectId,
      ...logSettingsOf(input.config.auto_capture_config),
    });
    if (!endpoint) throw exists();
    const version = await addRevision(tx, caller, endpoint, resolved);
    const summary = configSummary(version, resolved);
    await recordAudit(tx, {
      actor: caller.name,
      action: "endpoint.create",
      target: endpoint.name,
      detail: {
        id: endpoint.id,
        ...summary,
        ...(input.config.auto_capture_config ? { auto_capture_config: input.config.auto_capture_config } : {}),
      },
    });
    await recordEvents(tx, caller, [endpointEvent("endpoint.created", endpoint, { owner: caller.name, ...summary })]);
    return viewOf(tx, caller, await endpointNamed(tx, endpoint.name));
  });
}

/** GET /api/2.0/serving-endpoints/<name>. */
export async function getEndpoint(db: Db, caller: Principal, name: string): Promise<EndpointView> {
  const e = await endpointNamed(db, name);
  assertMay(caller, "read", e);
  return viewOf(db, caller, e);
}

/** GET /api/2.0/serving-endpoints: `{ endpoints: [...] }`, by name, the ones the caller may read (at most MAX_LISTED_ENDPOINTS). */
export async function listEndpoints(db: Db, caller: Principal): Promise<{ endpoints: EndpointView[] }> {
  const rows = await listEndpointRows(db, readableBy(caller, "endpoint"));
  const ids = rows.flatMap((e) => [e.activeConfigId, e.pendingConfigId]).filter((id): id is string => id !== null);
  const configs = new Map((await findConfigs(db, ids)).map((c) => [c.id, c]));
  const granted = await endpointsGrantedTo(
    db,
    rows.map((e) => e.id),
    caller,
  );
  return { endpoints: rows.map((e) => endpointView(e, configs, permissionLevelOf(caller, e, granted.has(e.id)))) };
}

/**
 * PUT /api/2.0/serving-endpoints/<name>/config: a new revision becomes the pending config. As Databricks, a change
 * while one is being rolled out is refused (409 RESOURCE_CONFLICT); after a failed rollout the new one replaces it.
 */
export async function updateEndpointConfig(db: Db, caller: Principal, name: string, input: EndpointConfigInput): Promise<EndpointView> {
  return db.transaction(async (tx) => {
    const e = await endpointNamed(tx, name, true);
    assertMay(caller, "write", e);
    assertNotRollingOut(e);
    const { role } = await ownerAndRole(tx, e.ownerId, e.ownerName);
    const resolved = await resolveConfig(tx, caller, role.name, input);
    await assertWithinAllowance(tx, role, e.ownerId, resolved.servedEntities, { newEndpoint: false, id: e.id });
    await assertWithinProjectAllowance(tx, e.projectId, resolved.servedEntities, { newEndpoint: false, id: e.id });
    const version = await addRevision(tx, caller, e, resolved);
    const logSettings = logSettingsOf(input.auto_capture_config);
    if (Object.keys(logSettings).length > 0) await updateEndpoint(tx, e.id, logSettings);
    const summary = configSummary(version, resolved);
    await recordAudit(tx, {
      actor: caller.name,
      action: "endpoint.config_update",
      target: e.name,
      detail: { id: e.id, ...summary, ...(input.auto_capture_config ? { auto_capture_config: input.auto_capture_config } : {}) },
    });
    await recordEvents(tx, caller, [endpointEvent("endpoint.config_updated", e, summary)]);
    return viewOf(tx, caller, await endpointNamed(tx, name));
  });
}

/**
 * PATCH /api/2.0/serving-endpoints/<name>/tags (MLflow's `update_endpoint_tags`): removes `delete_tags` by key, then sets
 * `add_tags` (a key already there takes the new value). Answers `{tags}` as Databricks does.
 */
export async function patchEndpointTags(
  db: Db,
  caller: Principal,
  name: string,
  input: PatchTagsInput,
): Promise<{ tags: EndpointRow["tags"] }> {
  return db.transaction(async (tx) => {
    const e = await endpointNamed(tx, name, true);
    assertMay(caller, "write", e);
    const added = new Map((input.add_tags ?? []).map((t) => [t.key, t.value]));
    const dropped = new Set([...(input.delete_tags ?? []), ...added.keys()]);
    const tags = [...e.tags.filter((t) => !dropped.has(t.key)), ...[...added].map(([key, value]) => ({ key, value }))];
    if (tags.length > MAX_TAGS)
      throw servingError("INVALID_PARAMETER_VALUE", `An endpoint has at most ${MAX_TAGS} tags; this change would leave ${tags.length}.`);
    await updateEndpoint(tx, e.id, { tags });
    await recordAudit(tx, { actor: caller.name, action: "endpoint.tags_update", target: e.name, detail: { id: e.id, tags } });
    return { tags };
  });
}

/** DELETE /api/2.0/serving-endpoints/<name>: its configs and grants go with it; its request log stays. Answers `{}` as Databricks does. */
export async function deleteEndpoint(db: Db, caller: Principal, name: string): Promise<Record<string, never>> {
  return db.transaction(async (tx) => {
    const e = await endpointNamed(tx, name, true);
    assertMay(caller, "write", e);
    await deleteEndpointRow(tx, e.id);
    await recordAudit(tx, { actor: caller.name, action: "endpoint.delete", target: e.name, detail: { id: e.id, owner: e.ownerName } });
    await recordEvents(tx, caller, [endpointEvent("endpoint.deleted", e, { owner: e.ownerName })]);
    return {};
  });
}
