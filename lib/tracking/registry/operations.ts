/**
 * The MLflow model registry operations (docs/mlflow-rest.md §1 "Model registry", §3, §4 "Registry"). Everyone
 * signed in may read; a registered model and its versions are changed only by whoever registered the model,
 * or an admin. Aliases are the main way to point at a version; stages are kept for older clients.
 */
import type { Db } from "@/db/client";
import {
  deleteAlias,
  deleteModelTag,
  deleteModelVersionTag,
  deleteRegisteredModelRow,
  findAlias,
  findModelVersion,
  findRegisteredModel,
  insertModelVersion,
  insertRegisteredModel,
  latestVersionsOf,
  renameRegisteredModel,
  searchModelVersionRows,
  searchRegisteredModelRows,
  setAlias,
  softDeleteModelVersion,
  transitionModelVersion,
  updateModelVersionRow,
  updateRegisteredModelRow,
  upsertModelTags,
  upsertModelVersionTag,
  type ModelVersionRow,
  type RegisteredModelRow,
} from "@/db/queries/registry";
import { findRun, type KeyValue } from "@/db/queries/tracking";
import type { ModelStage } from "@/db/schema";
import { assertMayChange } from "@/lib/auth/ownership";
import type { Principal } from "@/lib/auth/principal";
import { TrackingError, doesNotExist, invalidParam, permissionDenied } from "../errors";
import { modelVersionsToWire, registeredModelsToWire } from "./entities";
import {
  compileModelVersionFilter,
  compileModelVersionOrderBy,
  compileRegisteredModelFilter,
  compileRegisteredModelOrderBy,
} from "../search/registry-sql";
import { FilterSyntaxError } from "../search";
import type { Body, TrackingContext } from "../service";
import { MAX_KEY_LENGTH, checkMaxLength, validateKey, validateRunId } from "../validation";
import { decodePageToken, encodePageToken, optBool, optInt, optObjectList, optString, optStringList, reqString, type Fields } from "../http/wire";
import { loggedModelForSource, noteModelVersion } from "../logged-models/operations";

export const MAX_MODEL_NAME_LENGTH = 256;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_ALIAS_LENGTH = 255;
export const MAX_SOURCE_LENGTH = 500;
export const MAX_MODELS_SEARCH_RESULTS = 1000;
export const MAX_VERSIONS_SEARCH_RESULTS = 200_000;
/** Stages a client may set, in MLflow's order. */
export const MODEL_STAGES = ["None", "Staging", "Production", "Archived"] as const satisfies readonly ModelStage[];

const nowOf = (ctx: TrackingContext) => (ctx.now ? ctx.now() : Date.now());

function asInvalidParam<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalidParam(err.message);
    throw err;
  }
}

// --- reading and checking fields ---------------------------------------------------------------

function reqModelName(f: Fields, field = "name"): string {
  const name = reqString(f, field);
  checkMaxLength(name, MAX_MODEL_NAME_LENGTH, field);
  return name;
}

/** Versions are stored as Postgres `integer`; a larger number cannot name one and would fail the query (22003). */
const MAX_VERSION = 2 ** 31 - 1;

function reqVersion(f: Fields): number {
  const raw = reqString(f, "version");
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw invalidParam(`Parameter 'version' must be an integer, got '${raw}'.`);
  const n = Number(raw);
  if (n > MAX_VERSION) throw invalidParam(`Parameter 'version' must be at most ${MAX_VERSION}, got '${raw.trim()}'.`);
  return n;
}

function optDescription(f: Fields): string | undefined {
  const d = optString(f, "description");
  if (d !== undefined) checkMaxLength(d, MAX_DESCRIPTION_LENGTH, "description");
  return d;
}

function readTag(f: Fields): KeyValue {
  const key = reqString(f, "key");
  validateKey(key, "tag");
  const value = optString(f, "value") ?? "";
  checkMaxLength(value, MAX_REGISTRY_TAG_VALUE_LENGTH, "value");
  return { key, value };
}

const readTags = (f: Fields) => optObjectList(f, "tags").map(readTag);

/** Alias names: `^[\w\-]*$`, at most 255 characters, not `latest` and not `v<digits>` (those name versions). */
function reqAlias(f: Fields): string {
  const alias = reqString(f, "alias");
  checkMaxLength(alias, MAX_ALIAS_LENGTH, "alias");
  if (!/^[\w-]*$/.test(alias)) {
    throw invalidParam(`Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-).`);
  }
  if (alias.toLowerCase() === "latest") throw invalidParam("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalidParam(`Version alias name '${alias}' is reserved.`);
  return alias;
}

function parseStage(raw: string): (typeof MODEL_STAGES)[number] {
  const stage = MODEL_STAGES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!stage) throw invalidParam(`Invalid Model Version stage: ${raw}. Value must be one of ${MODEL_STAGES.join(", ")}.`);
  return stage;
}

function validateSource(source: string): void {
  checkMaxLength(source, MAX_SOURCE_LENGTH, "source");
  const path = source.replace(/^[a-zA-Z][\w+.-]*:/, "");
  if (path.split(/[/\\]/).includes("..")) throw invalidParam(`Invalid model version source: '${source}'. A source may not contain '..' path segments.`);
}

function maxResults(f: Fields, def: number, max: number): number {
  const n = optInt(f, "max_results");
  if (n === undefined) return def;
  if (n < 1 || n > max) throw invalidParam(`Invalid value ${n} for parameter 'max_results' supplied. It must be at least 1 and at most ${max}.`);
  return n;
}

// --- lookups and permissions -------------------------------------------------------------------

async function modelOrThrow(db: Db, name: string): Promise<RegisteredModelRow> {
  const row = await findRegisteredModel(db, name);
  if (!row) throw doesNotExist(`Registered Model with name=${name} not found`);
  return row;
}

async function versionOrThrow(db: Db, name: string, version: number): Promise<ModelVersionRow> {
  const row = await findModelVersion(db, name, version);
  if (!row) throw doesNotExist(`Model Version (name=${name}, version=${version}) not found`);
  return row;
}

function assertModelWriter(p: Principal, model: RegisteredModelRow): void {
  assertMayChange(p, { id: model.ownerId, name: model.userId }, `change registered model ${model.name}`, permissionDenied);
}

/** The model, if the caller may change it. */
async function writableModel(ctx: TrackingContext, name: string): Promise<RegisteredModelRow> {
  const model = await modelOrThrow(ctx.db, name);
  assertModelWriter(ctx.principal, model);
  return model;
}

async function modelBody(db: Db, row: RegisteredModelRow): Promise<Body> {
  const [wire] = await registeredModelsToWire(db, [row]);
  return { registered_model: wire };
}

async function versionBody(db: Db, row: ModelVersionRow): Promise<Body> {
  const [wire] = await modelVersionsToWire(db, [row]);
  return { model_version: wire };
}

// --- registered models -------------------------------------------------------------------------

export async function createRegisteredModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const name = reqModelName(f);
  const tags = readTags(f);
  const description = optDescription(f) || null;
  const row = await insertRegisteredModel(ctx.db, { name, description, userId: ctx.principal.name, ownerId: ctx.principal.userId ?? null, now: nowOf(ctx), tags });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
  return modelBody(ctx.db, row);
}

export async function getRegisteredModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  return modelBody(ctx.db, await modelOrThrow(ctx.db, reqModelName(f)));
}

export async function searchRegisteredModels(ctx: TrackingContext, f: Fields): Promise<Body> {
  const max = maxResults(f, 100, MAX_MODELS_SEARCH_RESULTS);
  const offset = decodePageToken(optString(f, "page_token"));
  const filter = asInvalidParam(() => compileRegisteredModelFilter(optString(f, "filter") ?? ""));
  const orderBy = asInvalidParam(() => compileRegisteredModelOrderBy(optStringList(f, "order_by")));
  const rows = await searchRegisteredModelRows(ctx.db, { filter, orderBy, limit: max + 1, offset });
  const page = rows.slice(0, max);
  const body: Body = {};
  if (page.length > 0) body.registered_models = await registeredModelsToWire(ctx.db, page);
  if (rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}

export async function updateRegisteredModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  const description = optDescription(f);
  const row = await updateRegisteredModelRow(ctx.db, model.name, { lastUpdatedTime: nowOf(ctx), ...(description !== undefined ? { description } : {}) });
  return modelBody(ctx.db, row ?? model);
}

export async function renameModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  const newName = reqModelName(f, "new_name");
  if (newName === model.name) return modelBody(ctx.db, model);
  const row = await renameRegisteredModel(ctx.db, model.name, newName, nowOf(ctx));
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${newName}) already exists.`);
  return modelBody(ctx.db, row);
}

export async function deleteRegisteredModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  await deleteRegisteredModelRow(ctx.db, model.name);
  return {};
}

export async function setRegisteredModelTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  const tag = readTag(f);
  await upsertModelTags(ctx.db, model.name, [tag]);
  return {};
}

export async function deleteRegisteredModelTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  const key = reqString(f, "key");
  checkMaxLength(key, MAX_KEY_LENGTH, "key");
  await deleteModelTag(ctx.db, model.name, key);
  return {};
}

export async function setRegisteredModelAlias(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  const alias = reqAlias(f);
  const version = reqVersion(f);
  await versionOrThrow(ctx.db, model.name, version);
  await setAlias(ctx.db, model.name, alias, version, nowOf(ctx));
  return {};
}

export async function deleteRegisteredModelAlias(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await writableModel(ctx, reqModelName(f));
  await deleteAlias(ctx.db, model.name, reqAlias(f));
  return {};
}

export async function getModelVersionByAlias(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await modelOrThrow(ctx.db, reqModelName(f));
  const alias = reqAlias(f);
  const found = await findAlias(ctx.db, model.name, alias);
  const row = found && (await findModelVersion(ctx.db, model.name, found.version));
  if (!row) throw invalidParam(`Registered model alias ${alias} not found.`);
  return versionBody(ctx.db, row);
}

export async function getLatestVersions(ctx: TrackingContext, f: Fields): Promise<Body> {
  const model = await modelOrThrow(ctx.db, reqModelName(f));
  const stages = optStringList(f, "stages").map(parseStage);
  const rows = await latestVersionsOf(ctx.db, [model.name], stages);
  const order = (s: string) => (MODEL_STAGES as readonly string[]).indexOf(s);
  rows.sort((a, b) => order(a.currentStage) - order(b.currentStage));
  const body: Body = {};
  if (rows.length > 0) body.model_versions = await modelVersionsToWire(ctx.db, rows);
  return body;
}

// --- model versions ----------------------------------------------------------------------------

export async function createModelVersion(ctx: TrackingContext, f: Fields): Promise<Body> {
  const name = reqModelName(f);
  const source = reqString(f, "source");
  validateSource(source);
  const runId = optString(f, "run_id") || undefined;
  if (runId !== undefined) validateRunId(runId);
  const tags = readTags(f);
  const description = optDescription(f) || null;
  const runLink = optString(f, "run_link") || null;
  const model = await writableModel(ctx, name);
  // MLflow 3 clients register `models:/<model_id>` or `runs:/<run>/<name>`; the version then points at the
  // logged model's files, so get-download-uri answers with a location the artifact API serves.
  const logged = await loggedModelForSource(ctx.db, source, optString(f, "model_id") || undefined);
  const stored = logged ? { source: logged.artifactLocation, runId: runId ?? logged.sourceRunId } : { source, runId: runId ?? null };
  const row = await insertModelVersion(ctx.db, { name: model.name, ...stored, runLink, description, userId: ctx.principal.name, now: nowOf(ctx), tags });
  if (!row) throw doesNotExist(`Registered Model with name=${name} not found`);
  if (logged) await noteModelVersion(ctx.db, logged, row.name, row.version, nowOf(ctx));
  return versionBody(ctx.db, row);
}

export async function getModelVersion(ctx: TrackingContext, f: Fields): Promise<Body> {
  return versionBody(ctx.db, await versionOrThrow(ctx.db, reqModelName(f), reqVersion(f)));
}

export async function searchModelVersions(ctx: TrackingContext, f: Fields): Promise<Body> {
  const max = maxResults(f, MAX_VERSIONS_SEARCH_RESULTS, MAX_VERSIONS_SEARCH_RESULTS);
  const offset = decodePageToken(optString(f, "page_token"));
  const filter = asInvalidParam(() => compileModelVersionFilter(optString(f, "filter") ?? ""));
  const orderBy = asInvalidParam(() => compileModelVersionOrderBy(optStringList(f, "order_by")));
  const rows = await searchModelVersionRows(ctx.db, { filter, orderBy, limit: max + 1, offset });
  const page = rows.slice(0, max);
  const body: Body = {};
  if (page.length > 0) body.model_versions = await modelVersionsToWire(ctx.db, page);
  if (rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}

/** A live version of a model the caller may change. */
async function writableVersion(ctx: TrackingContext, f: Fields): Promise<ModelVersionRow> {
  const name = reqModelName(f);
  const version = reqVersion(f);
  const model = await modelOrThrow(ctx.db, name);
  const row = await versionOrThrow(ctx.db, name, version);
  assertModelWriter(ctx.principal, model);
  return row;
}

export async function updateModelVersion(ctx: TrackingContext, f: Fields): Promise<Body> {
  const mv = await writableVersion(ctx, f);
  const description = optDescription(f);
  const row = await updateModelVersionRow(ctx.db, mv.name, mv.version, { lastUpdatedTime: nowOf(ctx), ...(description !== undefined ? { description } : {}) });
  return versionBody(ctx.db, row ?? mv);
}

export async function deleteModelVersion(ctx: TrackingContext, f: Fields): Promise<Body> {
  const mv = await writableVersion(ctx, f);
  await softDeleteModelVersion(ctx.db, mv.name, mv.version, nowOf(ctx));
  return {};
}

export async function transitionModelVersionStage(ctx: TrackingContext, f: Fields): Promise<Body> {
  const stage = parseStage(reqString(f, "stage"));
  const archive = optBool(f, "archive_existing_versions") ?? false;
  if (archive && stage !== "Staging" && stage !== "Production") {
    throw invalidParam(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production.`);
  }
  const mv = await writableVersion(ctx, f);
  const row = await transitionModelVersion(ctx.db, mv.name, mv.version, stage, archive, nowOf(ctx));
  return versionBody(ctx.db, row ?? mv);
}

export async function setModelVersionTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const mv = await writableVersion(ctx, f);
  await upsertModelVersionTag(ctx.db, mv.name, mv.version, readTag(f));
  return {};
}

export async function deleteModelVersionTagOp(ctx: TrackingContext, f: Fields): Promise<Body> {
  const mv = await writableVersion(ctx, f);
  const key = reqString(f, "key");
  checkMaxLength(key, MAX_KEY_LENGTH, "key");
  await deleteModelVersionTag(ctx.db, mv.name, mv.version, key);
  return {};
}

export async function getModelVersionDownloadUri(ctx: TrackingContext, f: Fields): Promise<Body> {
  const mv = await versionOrThrow(ctx.db, reqModelName(f), reqVersion(f));
  return { artifact_uri: await underlyingUri(ctx.db, mv.source) };
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
  return path ? `${run.artifactUri.replace(/\/+$/, "")}/${path}` : run.artifactUri;
}
