/**
 * The MLflow model registry (docs/mlflow-rest.md §1 "Model registry", §4 "Registry"): registered models with
 * their tags and aliases, and model versions. Dispatch hands over the model or version, and for changes lets
 * only whoever registered the model (or an admin) through. Aliases are the main way to point at a version;
 * stages are kept for older clients.
 */
import type { Db } from "@/db/client";
import {
  deleteAlias,
  deleteRegisteredModelRow,
  findAlias,
  findModelVersion,
  insertModelVersion,
  insertRegisteredModel,
  latestModelVersion,
  latestVersionsOf,
  renameRegisteredModel,
  searchModelVersionRows,
  searchRegisteredModelRows,
  setAlias,
  softDeleteModelVersion,
  transitionModelVersion,
  updateModelVersionRow,
  updateRegisteredModelRow,
  modelTagRows,
  versionTagRows,
  type ModelVersionRow,
  type RegisteredModelRow,
} from "@/db/queries/registry";
import { findRun } from "@/db/queries/tracking";
import { assertCan, loggedModelResource } from "@/lib/auth/access";
import { nowOf, type Body, type TrackingContext } from "../context";
import { TrackingError, doesNotExist, invalidParam, refusedTracking } from "../errors";
import type { Input, registry } from "../http/schemas";
import { modelVersionOrThrow, type ModelVersionTarget } from "../http/targets";
import { loggedModelForSource, noteModelVersion } from "../logged-models/registry-link";
import { maxResults } from "../search/max-results";
import { decodePageToken, pageOf } from "../search/page-token";
import {
  compileModelVersionFilter,
  compileModelVersionOrderBy,
  compileRegisteredModelFilter,
  compileRegisteredModelOrderBy,
} from "../search/registry-sql";
import { isLatestAlias, MODEL_STAGES } from "../validation";
import { appendToUriPath } from "../artifact-uri";
import { modelVersionsToWire, registeredModelsToWire } from "./entities";
import { readableBy } from "@/lib/auth/access";
import { creationProject } from "../workspace";

export const MAX_MODELS_SEARCH_RESULTS = 1000;
export const MAX_VERSIONS_SEARCH_RESULTS = 200_000;

async function modelBody(db: Db, row: RegisteredModelRow): Promise<Body> {
  const [wire] = await registeredModelsToWire(db, [row]);
  return { registered_model: wire };
}

export async function createRegisteredModel(
  ctx: TrackingContext,
  { name, tags, description }: Input<typeof registry.createModel>,
): Promise<Body> {
  const projectId = await creationProject(ctx, "registered models");
  const row = await insertRegisteredModel(ctx.db, {
    name,
    description: description ?? null,
    userId: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
    projectId,
    now: nowOf(ctx),
    tags,
  });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
  return modelBody(ctx.db, row);
}

export const getRegisteredModel = (ctx: TrackingContext, _input: unknown, model: RegisteredModelRow) => modelBody(ctx.db, model);

export async function searchRegisteredModels(ctx: TrackingContext, input: Input<typeof registry.search>): Promise<Body> {
  const max = maxResults(input.max_results, 100, MAX_MODELS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const filter = compileRegisteredModelFilter(input.filter ?? "");
  const orderBy = compileRegisteredModelOrderBy(input.order_by);
  const { page, next_page_token } = pageOf(
    await searchRegisteredModelRows(ctx.db, {
      readable: readableBy(ctx.principal, "registered_model"),
      filter,
      orderBy,
      limit: max + 1,
      offset,
    }),
    max,
    offset,
  );
  return {
    ...(page.length > 0 ? { registered_models: await registeredModelsToWire(ctx.db, page) } : {}),
    ...(next_page_token ? { next_page_token } : {}),
  };
}

export async function updateRegisteredModel(
  ctx: TrackingContext,
  { description }: Input<typeof registry.updateModel>,
  model: RegisteredModelRow,
): Promise<Body> {
  const row = await updateRegisteredModelRow(ctx.db, model.name, {
    lastUpdatedTime: nowOf(ctx),
    ...(description !== undefined ? { description } : {}),
  });
  return modelBody(ctx.db, row ?? model);
}

export async function renameModel(
  ctx: TrackingContext,
  { new_name: newName }: Input<typeof registry.rename>,
  model: RegisteredModelRow,
): Promise<Body> {
  if (newName === model.name) return modelBody(ctx.db, model);
  const row = await renameRegisteredModel(ctx.db, model.name, newName, nowOf(ctx));
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${newName}) already exists.`);
  return modelBody(ctx.db, row);
}

export async function deleteRegisteredModel(ctx: TrackingContext, _input: unknown, model: RegisteredModelRow): Promise<Body> {
  await deleteRegisteredModelRow(ctx.db, model.name);
  return {};
}

export async function setRegisteredModelTag(
  ctx: TrackingContext,
  { key, value }: Input<typeof registry.setModelTag>,
  model: RegisteredModelRow,
): Promise<Body> {
  await modelTagRows.set(ctx.db, model, [{ key, value }]);
  return {};
}

export async function deleteRegisteredModelTag(
  ctx: TrackingContext,
  { key }: Input<typeof registry.deleteModelTag>,
  model: RegisteredModelRow,
): Promise<Body> {
  await modelTagRows.remove(ctx.db, model, key);
  return {};
}

export async function setRegisteredModelAlias(
  ctx: TrackingContext,
  { alias, version }: Input<typeof registry.setAlias>,
  model: RegisteredModelRow,
): Promise<Body> {
  await modelVersionOrThrow(ctx.db, model.name, version);
  await setAlias(ctx.db, model.name, alias, version, nowOf(ctx));
  return {};
}

export async function deleteRegisteredModelAlias(
  ctx: TrackingContext,
  { alias }: Input<typeof registry.alias>,
  model: RegisteredModelRow,
): Promise<Body> {
  await deleteAlias(ctx.db, model.name, alias);
  return {};
}

/**
 * MLflow's `get_model_version_by_alias`; since MLflow 3.3 the alias `latest` (any case) names the model's
 * highest live version, which `models:/name@latest` and `load_prompt(name)` without a version ask for.
 */
export async function getModelVersionByAlias(
  ctx: TrackingContext,
  { alias }: Input<typeof registry.aliasRead>,
  model: RegisteredModelRow,
): Promise<Body> {
  if (isLatestAlias(alias)) {
    const latest = await latestModelVersion(ctx.db, model.name);
    if (!latest) throw doesNotExist(`Latest version not found for model ${model.name}.`);
    return versionBody(ctx.db, latest);
  }
  const found = await findAlias(ctx.db, model.name, alias);
  const row = found && (await findModelVersion(ctx.db, model.name, found.version));
  if (!row) throw invalidParam(`Registered model alias ${alias} not found.`);
  return versionBody(ctx.db, row);
}

export async function getLatestVersions(
  ctx: TrackingContext,
  { stages }: Input<typeof registry.latestVersions>,
  model: RegisteredModelRow,
): Promise<Body> {
  const rows = await latestVersionsOf(ctx.db, [model.name], stages);
  const order = (s: string) => (MODEL_STAGES as readonly string[]).indexOf(s);
  rows.sort((a, b) => order(a.currentStage) - order(b.currentStage));
  return rows.length > 0 ? { model_versions: await modelVersionsToWire(ctx.db, rows) } : {};
}

// --- model versions ----------------------------------------------------------------------------

async function versionBody(db: Db, row: ModelVersionRow): Promise<Body> {
  const [wire] = await modelVersionsToWire(db, [row]);
  return { model_version: wire };
}

export async function createModelVersion(
  ctx: TrackingContext,
  input: Input<typeof registry.createVersion>,
  model: RegisteredModelRow,
): Promise<Body> {
  const runId = input.run_id || undefined;
  // MLflow 3 clients register `models:/<model_id>` or `runs:/<run>/<name>`; the version then points at the
  // logged model's files, so get-download-uri answers with a location the artifact API serves.
  const logged = await loggedModelForSource(ctx.db, input.source, input.model_id || undefined);
  // Registering notes the version on the logged model (a tag): a change to it, so its writer's to make.
  if (logged)
    assertCan(
      ctx.principal,
      "write",
      loggedModelResource(logged),
      refusedTracking,
      `register logged model ${logged.modelId} as a model version`,
    );
  const stored = logged
    ? { source: logged.artifactLocation, runId: runId ?? logged.sourceRunId }
    : { source: input.source, runId: runId ?? null };
  const row = await insertModelVersion(ctx.db, {
    name: model.name,
    ...stored,
    storageLocation: logged ? null : await copiedFrom(ctx.db, input.source),
    runLink: input.run_link || null,
    // MLflow's handler passes the request's description, "" when absent, and answers it back as "".
    description: input.description ?? "",
    userId: ctx.principal.name,
    now: nowOf(ctx),
    tags: input.tags,
  });
  if (!row) throw doesNotExist(`Registered Model with name=${model.name} not found`);
  if (logged) await noteModelVersion(ctx.db, logged, row.name, row.version, nowOf(ctx));
  return versionBody(ctx.db, row);
}

export const getModelVersion = (ctx: TrackingContext, _input: unknown, { version }: ModelVersionTarget) => versionBody(ctx.db, version);

export async function searchModelVersions(ctx: TrackingContext, input: Input<typeof registry.search>): Promise<Body> {
  const max = maxResults(input.max_results, MAX_VERSIONS_SEARCH_RESULTS, MAX_VERSIONS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const filter = compileModelVersionFilter(input.filter ?? "");
  const orderBy = compileModelVersionOrderBy(input.order_by);
  const { page, next_page_token } = pageOf(
    await searchModelVersionRows(ctx.db, { readable: readableBy(ctx.principal, "model_version"), filter, orderBy, limit: max + 1, offset }),
    max,
    offset,
  );
  return {
    ...(page.length > 0 ? { model_versions: await modelVersionsToWire(ctx.db, page) } : {}),
    ...(next_page_token ? { next_page_token } : {}),
  };
}

export async function updateModelVersion(
  ctx: TrackingContext,
  { description }: Input<typeof registry.updateVersion>,
  { version: mv }: ModelVersionTarget,
): Promise<Body> {
  const row = await updateModelVersionRow(ctx.db, mv.name, mv.version, {
    lastUpdatedTime: nowOf(ctx),
    ...(description !== undefined ? { description } : {}),
  });
  return versionBody(ctx.db, row ?? mv);
}

export async function deleteModelVersion(ctx: TrackingContext, _input: unknown, { version: mv }: ModelVersionTarget): Promise<Body> {
  await softDeleteModelVersion(ctx.db, mv.name, mv.version, nowOf(ctx));
  return {};
}

export async function transitionModelVersionStage(
  ctx: TrackingContext,
  input: Input<typeof registry.transition>,
  { version: mv }: ModelVersionTarget,
): Promise<Body> {
  const { stage } = input;
  const archive = input.archive_existing_versions ?? false;
  if (archive && stage !== "Staging" && stage !== "Production") {
    throw invalidParam(
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production.`,
    );
  }
  const row = await transitionModelVersion(ctx.db, mv.name, mv.version, stage, archive, nowOf(ctx));
  return versionBody(ctx.db, row ?? mv);
}

export async function setModelVersionTag(
  ctx: TrackingContext,
  { key, value }: Input<typeof registry.setVersionTag>,
  { version: mv }: ModelVersionTarget,
): Promise<Body> {
  await versionTagRows.set(ctx.db, mv, [{ key, value }]);
  return {};
}

export async function deleteModelVersionTagOp(
  ctx: TrackingContext,
  { key }: Input<typeof registry.deleteVersionTag>,
  { version: mv }: ModelVersionTarget,
): Promise<Body> {
  await versionTagRows.remove(ctx.db, mv, key);
  return {};
}

export async function getModelVersionDownloadUri(
  ctx: TrackingContext,
  _input: unknown,
  { version: mv }: ModelVersionTarget,
): Promise<Body> {
  return { artifact_uri: await modelVersionLocation(ctx.db, mv) };
}

/** Where a model version's files are, as get-download-uri answers; what a serving bundle is built from (lib/serving/bundle.ts). */
export async function modelVersionLocation(db: Db, mv: ModelVersionRow): Promise<string> {
  return mv.storageLocation ?? (await underlyingUri(db, mv.source));
}

/**
 * A version registered from `models:/<name>/<version>` (MlflowClient.copy_model_version sends that as the
 * source) keeps the source as given and stores where the original's files are, so get-download-uri
 * answers the original's location (mlflow/store/model_registry/sqlalchemy_store.py create_model_version).
 * Null for any other source.
 */
async function copiedFrom(db: Db, source: string): Promise<string | null> {
  const m = /^models:\/([^/@]+)\/(\d+)\/?$/.exec(source);
  if (!m?.[1] || !m[2]) return null;
  const original = await findModelVersion(db, m[1], Number(m[2]));
  if (!original) {
    throw doesNotExist(`Unable to fetch model from model URI source artifact location '${source}'.`);
  }
  return modelVersionLocation(db, original);
}

/**
 * MLflow answers get-download-uri with where the files are, not with the `runs:/<run>/<path>` the
 * version was registered from (RunsArtifactRepository.get_underlying_uri); a run that is gone leaves
 * the source as it was.
 */
async function underlyingUri(db: Db, source: string): Promise<string> {
  const m = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
  if (!m?.[1]) return source;
  const run = await findRun(db, m[1]);
  if (!run) return source;
  const path = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  return path ? appendToUriPath(run.artifactUri, path) : run.artifactUri;
}
