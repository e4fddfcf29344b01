/**
 * MLflow 3 logged models (service.proto CreateLoggedModel … SearchLoggedModels): what
 * `mlflow.<flavor>.log_model` calls before uploading a model's files to its own artifact folder
 * (`<experiment artifact location>/models/<model_id>/artifacts`) and finalizing it. Anyone signed in may
 * read; only the model's creator or an admin may change it, as for runs.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import {
  deleteLoggedModelRow,
  deleteLoggedModelTagRow,
  findLoggedModel,
  findLoggedModelOfRun,
  insertLoggedModel,
  loggedModelDataOf,
  searchLoggedModelRows,
  updateLoggedModelStatus,
  upsertLoggedModelTags,
  type LoggedModelKeyValue,
  type LoggedModelRow,
} from "@/db/queries/logged-models";
import { findExperiment, findRun } from "@/db/queries/tracking";
import type { LoggedModelStatus } from "@/db/schema";
import { assertMayChange } from "@/lib/auth/ownership";
import { doesNotExist, invalidParam, permissionDenied } from "../errors";
import { loggedModelToWire, type WireLoggedModel } from "./entities";
import { parseLoggedModelFilter, parseLoggedModelOrderBy } from "./search";
import { generateRunName } from "../runs/run-names";
import { assertRunWriter, type Body, type TrackingContext } from "../service";
import { MAX_PARAM_VALUE_LENGTH, MAX_RUN_TAG_VALUE_LENGTH, checkMaxLength, parseExperimentId, validateKey, validateRunId } from "../validation";
import { decodePageToken, encodePageToken, optEnum, optInt, optObjectList, optString, optStringList, reqString, type Fields } from "../http/wire";

/** Proto order of LoggedModelStatus, numbered from 0 (LOGGED_MODEL_STATUS_UNSPECIFIED). */
const STATUSES = ["LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"] as const;
const MODEL_ID = /^m-[0-9a-f]{32}$/;
export const MAX_LOGGED_MODELS_SEARCH_RESULTS = 1000;
const DEFAULT_LOGGED_MODELS_SEARCH_RESULTS = 100;
/** The tag MLflow 3 keeps on a logged model listing the registry versions made from it. */
export const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

const nowOf = (ctx: TrackingContext) => (ctx.now ? ctx.now() : Date.now());

function readKeyValues(f: Fields, name: string, maxValue: number, kind: "tag" | "param"): LoggedModelKeyValue[] {
  return optObjectList(f, name).map((item) => {
    const key = reqString(item, "key");
    validateKey(key, kind);
    const value = optString(item, "value") ?? "";
    checkMaxLength(value, maxValue, "value");
    return { key, value };
  });
}

async function modelOrThrow(db: Db, id: string): Promise<LoggedModelRow> {
  const row = MODEL_ID.test(id) ? await findLoggedModel(db, id) : undefined;
  if (!row) throw doesNotExist(`Logged model with ID '${id}' not found.`);
  return row;
}

async function writableModel(ctx: TrackingContext, id: string): Promise<LoggedModelRow> {
  const row = await modelOrThrow(ctx.db, id);
  assertMayChange(ctx.principal, { id: row.ownerId, name: row.creator }, `change logged model ${row.modelId}`, permissionDenied);
  return row;
}

async function modelBody(db: Db, row: LoggedModelRow): Promise<{ model: WireLoggedModel }> {
  const data = await loggedModelDataOf(db, [row.modelId]);
  return { model: loggedModelToWire(row, data.get(row.modelId)) };
}

export async function createLoggedModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const experimentId = reqString(f, "experiment_id");
  const n = parseExperimentId(experimentId);
  const exp = n === null ? undefined : await findExperiment(ctx.db, n);
  if (!exp) throw doesNotExist(`No Experiment with id=${experimentId} exists`);
  if (exp.lifecycleStage !== "active") throw invalidParam(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  const sourceRunId = optString(f, "source_run_id") || null;
  if (sourceRunId !== null) {
    validateRunId(sourceRunId);
    const run = await findRun(ctx.db, sourceRunId);
    if (!run) throw doesNotExist(`Run with id=${sourceRunId} not found`);
    assertRunWriter(ctx.principal, run, `log models to run ${run.runUuid}`);
  }
  const tags = readKeyValues(f, "tags", MAX_RUN_TAG_VALUE_LENGTH, "tag");
  const params = readKeyValues(f, "params", MAX_PARAM_VALUE_LENGTH, "param");
  const modelId = `m-${randomUUID().replaceAll("-", "")}`;
  const now = nowOf(ctx);
  const row = await insertLoggedModel(
    ctx.db,
    {
      modelId,
      experimentId: exp.id,
      name: optString(f, "name") || generateRunName(),
      modelType: optString(f, "model_type") || null,
      sourceRunId,
      status: "LOGGED_MODEL_PENDING",
      creator: ctx.principal.name,
      ownerId: ctx.principal.userId ?? null,
      artifactLocation: `${exp.artifactLocation.replace(/\/+$/, "")}/models/${modelId}/artifacts`,
      creationTime: now,
      lastUpdatedTime: now,
    },
    tags,
    params,
  );
  return modelBody(ctx.db, row);
}

export async function getLoggedModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  return modelBody(ctx.db, await modelOrThrow(ctx.db, reqString(f, "model_id")));
}

/** PATCH logged-models/<id>: the client marks the model READY once its files are uploaded (or UPLOAD_FAILED). */
export async function finalizeLoggedModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const row = await writableModel(ctx, reqString(f, "model_id"));
  const status = optEnum(f, "status", STATUSES, 0);
  if (status === undefined || status === "LOGGED_MODEL_STATUS_UNSPECIFIED") {
    throw invalidParam("Missing value for required parameter 'status': use LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.");
  }
  const updated = await updateLoggedModelStatus(ctx.db, row.modelId, status satisfies LoggedModelStatus, nowOf(ctx));
  return modelBody(ctx.db, updated ?? row);
}

/** Removes the model's record; its files stay, as a deleted run's do, until an admin cleans the store. */
export async function deleteLoggedModel(ctx: TrackingContext, f: Fields): Promise<Body> {
  const row = await writableModel(ctx, reqString(f, "model_id"));
  await deleteLoggedModelRow(ctx.db, row.modelId);
  return {};
}

export async function setLoggedModelTags(ctx: TrackingContext, f: Fields): Promise<Body> {
  const row = await writableModel(ctx, reqString(f, "model_id"));
  const tags = readKeyValues(f, "tags", MAX_RUN_TAG_VALUE_LENGTH, "tag");
  if (tags.length > 0) await upsertLoggedModelTags(ctx.db, row.modelId, tags, nowOf(ctx));
  return {};
}

export async function deleteLoggedModelTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const row = await writableModel(ctx, reqString(f, "model_id"));
  const key = reqString(f, "tag_key");
  if (!(await deleteLoggedModelTagRow(ctx.db, row.modelId, key))) {
    throw doesNotExist(`No tag with key '${key}' found for logged model ${row.modelId}.`);
  }
  return {};
}

export async function searchLoggedModels(ctx: TrackingContext, f: Fields): Promise<Body> {
  const ids = optStringList(f, "experiment_ids");
  if (ids.length === 0) throw invalidParam("Missing value for required parameter 'experiment_ids': name at least one experiment to search.");
  const experimentIds = ids.map((id) => {
    const n = parseExperimentId(id);
    if (n === null) throw invalidParam(`Invalid experiment ID '${id}' in experiment_ids.`);
    return n;
  });
  const max = optInt(f, "max_results") ?? DEFAULT_LOGGED_MODELS_SEARCH_RESULTS;
  if (max < 1 || max > MAX_LOGGED_MODELS_SEARCH_RESULTS) {
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at least 1 and at most ${MAX_LOGGED_MODELS_SEARCH_RESULTS}.`);
  }
  const offset = decodePageToken(optString(f, "page_token"));
  const rows = await searchLoggedModelRows(ctx.db, {
    experimentIds,
    equals: parseLoggedModelFilter(optString(f, "filter") ?? ""),
    orderBy: parseLoggedModelOrderBy(optObjectList(f, "order_by")),
    limit: max + 1,
    offset,
  });
  const page = rows.slice(0, max);
  const data = await loggedModelDataOf(ctx.db, page.map((r) => r.modelId));
  const body: Body = {};
  if (page.length > 0) body.models = page.map((r) => loggedModelToWire(r, data.get(r.modelId)));
  if (rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}

/**
 * The logged model a registry source means, as MLflow 3's server resolves it: `models:/<model_id>`, an
 * explicit model_id, or `runs:/<run>/<name>` for the newest model that run logged under that name.
 * Undefined when the source is a plain location (MLflow 2 clients send the artifact URI itself).
 */
export async function loggedModelForSource(db: Db, source: string, modelId: string | undefined): Promise<LoggedModelRow | undefined> {
  const fromModels = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1];
  const id = modelId || fromModels;
  if (id) return modelOrThrow(db, id);
  const fromRun = /^runs:\/([0-9a-f]{32})\/(.+?)\/?$/.exec(source);
  if (!fromRun?.[1] || !fromRun[2]) return undefined;
  return findLoggedModelOfRun(db, fromRun[1], fromRun[2]);
}

/** Adds `{ name, version }` to the model's `mlflow.modelVersions` tag, so the model lists where it is registered. */
export async function noteModelVersion(db: Db, model: LoggedModelRow, name: string, version: number, now: number): Promise<void> {
  const data = (await loggedModelDataOf(db, [model.modelId])).get(model.modelId);
  const current = data?.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  let list: unknown[] = [];
  try {
    const parsed: unknown = current ? JSON.parse(current) : [];
    if (Array.isArray(parsed)) list = parsed;
  } catch {
    // A hand-edited tag that is not JSON is replaced rather than failing the registration.
  }
  list.push({ name, version: String(version) });
  await upsertLoggedModelTags(db, model.modelId, [{ key: MODEL_VERSIONS_TAG, value: JSON.stringify(list) }], now);
}
