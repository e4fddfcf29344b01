/**
 * MLflow 3 logged models (service.proto CreateLoggedModel … SearchLoggedModels): what
 * `mlflow.<flavor>.log_model` calls before uploading a model's files to its own artifact folder
 * (`<experiment artifact location>/models/<model_id>/artifacts`) and finalizing it. Anyone signed in may
 * read; dispatch lets only the model's creator or an admin change it, as for runs.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import {
  deleteLoggedModelRow,
  insertLoggedModel,
  loggedModelParamRows,
  loggedModelTagRows,
  loggedModelDataOf,
  searchLoggedModelRows,
  updateLoggedModelStatus,
  upsertLoggedModelTags,
  type LoggedModelRow,
} from "@/db/queries/logged-models";
import { findRun, type ExperimentRow } from "@/db/queries/tracking";
import { nowOf, type Body, type TrackingContext } from "../context";
import { doesNotExist, invalidParam } from "../errors";
import { assertExperimentActive } from "../experiments/operations";
import type { Input, loggedModels } from "../http/schemas";
import { assertRunWriter } from "../http/targets";
import { appendToUriPath } from "../artifact-uri";
import { generateRunName } from "../runs/run-names";
import { maxResults } from "../search/max-results";
import { decodePageToken, pageOf } from "../search/page-token";
import { parseExperimentId } from "../validation";
import { loggedModelToWire, type WireLoggedModel } from "./entities";
import { normalizeModelVersionsTag } from "./registry-link";
import { parseLoggedModelFilter, parseLoggedModelOrderBy } from "./search";
import { readableBy } from "@/lib/auth/access";

export const MAX_LOGGED_MODELS_SEARCH_RESULTS = 1000;
const DEFAULT_LOGGED_MODELS_SEARCH_RESULTS = 100;

async function modelBody(db: Db, row: LoggedModelRow): Promise<{ model: WireLoggedModel }> {
  const data = await loggedModelDataOf(db, [row.modelId]);
  return { model: loggedModelToWire(row, data.get(row.modelId)) };
}

export async function createLoggedModel(ctx: TrackingContext, input: Input<typeof loggedModels.create>, exp: ExperimentRow): Promise<Body> {
  assertExperimentActive(exp);
  const sourceRunId = input.source_run_id || null;
  // MLflow's store records source_run_id without looking the run up (mlflow/store/tracking/sqlalchemy_store.py
  // create_logged_model), so a model from a run this server never saw is accepted; a known run must be the caller's.
  const sourceRun = sourceRunId === null ? undefined : await findRun(ctx.db, sourceRunId);
  if (sourceRun) await assertRunWriter(ctx.db, ctx.principal, sourceRun, `log models to run ${sourceRunId}`);
  const modelId = `m-${randomUUID().replaceAll("-", "")}`;
  const now = nowOf(ctx);
  const row = await insertLoggedModel(
    ctx.db,
    {
      modelId,
      experimentId: exp.id,
      name: input.name || generateRunName(),
      modelType: input.model_type || null,
      sourceRunId,
      status: "LOGGED_MODEL_PENDING",
      creator: ctx.principal.name,
      ownerId: ctx.principal.userId ?? null,
      artifactLocation: appendToUriPath(exp.artifactLocation, "models", modelId, "artifacts"),
      creationTime: now,
      lastUpdatedTime: now,
    },
    input.tags,
    input.params,
  );
  return modelBody(ctx.db, row);
}

export const getLoggedModel = (ctx: TrackingContext, _input: unknown, row: LoggedModelRow) => modelBody(ctx.db, row);

/** PATCH logged-models/<id>: the client marks the model READY once its files are uploaded (or UPLOAD_FAILED). */
export async function finalizeLoggedModel(
  ctx: TrackingContext,
  { status }: Input<typeof loggedModels.finalize>,
  row: LoggedModelRow,
): Promise<Body> {
  if (status === undefined || status === "LOGGED_MODEL_STATUS_UNSPECIFIED") {
    throw invalidParam("Missing value for required parameter 'status': use LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.");
  }
  const updated = await updateLoggedModelStatus(ctx.db, row.modelId, status, nowOf(ctx));
  return modelBody(ctx.db, updated ?? row);
}

/** Removes the model's record; its files stay, as a deleted run's do, until an admin cleans the store. */
export async function deleteLoggedModel(ctx: TrackingContext, _input: unknown, row: LoggedModelRow): Promise<Body> {
  await deleteLoggedModelRow(ctx.db, row.modelId);
  return {};
}

export async function setLoggedModelTags(
  ctx: TrackingContext,
  { tags }: Input<typeof loggedModels.setTags>,
  row: LoggedModelRow,
): Promise<Body> {
  if (tags.length > 0) await upsertLoggedModelTags(ctx.db, row.modelId, tags.map(normalizeModelVersionsTag), nowOf(ctx));
  return {};
}

/** POST logged-models/<id>/params (LogLoggedModelParamsRequest): what log_model(params=...) sends after creating the model. */
export async function logLoggedModelParams(
  ctx: TrackingContext,
  { params }: Input<typeof loggedModels.logParams>,
  row: LoggedModelRow,
): Promise<Body> {
  await loggedModelParamRows.addMissing(ctx.db, row, params);
  return {};
}

export async function deleteLoggedModelTag(
  ctx: TrackingContext,
  { tag_key: key }: Input<typeof loggedModels.deleteTag>,
  row: LoggedModelRow,
): Promise<Body> {
  if (!(await loggedModelTagRows.remove(ctx.db, row, key)))
    throw doesNotExist(`No tag with key '${key}' found for logged model ${row.modelId}.`);
  return {};
}

export async function searchLoggedModels(ctx: TrackingContext, input: Input<typeof loggedModels.search>): Promise<Body> {
  if (input.experiment_ids.length === 0)
    throw invalidParam("Missing value for required parameter 'experiment_ids': name at least one experiment to search.");
  const experimentIds = input.experiment_ids.map((id) => {
    const n = parseExperimentId(id);
    if (n === null) throw invalidParam(`Invalid experiment ID '${id}' in experiment_ids.`);
    return n;
  });
  const max = maxResults(input.max_results, DEFAULT_LOGGED_MODELS_SEARCH_RESULTS, MAX_LOGGED_MODELS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const rows = await searchLoggedModelRows(ctx.db, {
    readable: readableBy(ctx.principal, "logged_model"),
    experimentIds,
    clauses: parseLoggedModelFilter(input.filter ?? ""),
    datasets: input.datasets.map((d) => ({ name: d.dataset_name, digest: d.dataset_digest || undefined })),
    orderBy: parseLoggedModelOrderBy(input.order_by),
    limit: max + 1,
    offset,
  });
  const { page, next_page_token } = pageOf(rows, max, offset);
  const data = await loggedModelDataOf(
    ctx.db,
    page.map((r) => r.modelId),
  );
  return {
    ...(page.length > 0 ? { models: page.map((r) => loggedModelToWire(r, data.get(r.modelId))) } : {}),
    ...(next_page_token ? { next_page_token } : {}),
  };
}
