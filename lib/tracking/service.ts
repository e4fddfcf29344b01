/**
 * The MLflow tracking operations: each takes the request's fields and returns the response body. Validation
 * and error messages follow docs/mlflow-rest.md; everyone signed in may read, only a run's creator (or an admin)
 * may write to it, and only an experiment's creator (or an admin) may change the experiment. Creators are
 * recognised by id, not name (lib/auth/ownership.ts).
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import {
  deleteExperimentTag as deleteExperimentTagRow,
  deleteRunTag,
  experimentTagsOf,
  findExperiment,
  findExperimentByName,
  findRun,
  findRunsByIds,
  insertExperiment,
  insertMetrics,
  insertParams,
  insertRun,
  metricHistory,
  renameExperiment,
  runDataOf,
  searchExperimentRows,
  searchRunIds,
  setExperimentLifecycle,
  storedPoint,
  updateRunRow,
  upsertExperimentTag,
  upsertRunTags,
  type ExperimentRow,
  type KeyValue,
  type MetricRow,
  type RunRow,
} from "@/db/queries/tracking";
import type { RunStatus } from "@/db/schema";
import { assertMayChange } from "@/lib/auth/ownership";
import type { Principal } from "@/lib/auth/principal";
import { experimentToWire, metricToWire, runInfoToWire, runToWire, type WireRun } from "./entities";
import { TrackingError, doesNotExist, invalidParam, permissionDenied } from "./errors";
import { FilterSyntaxError, parseFilter, parseOrderByList } from "./search";
import { compileExperimentFilter, compileExperimentOrderBy, compileRunFilter, compileRunSort } from "./search/runs-and-experiments-sql";
import { readDatasetInputs, recordDatasetInputs, runInputsOf } from "./runs/inputs";
import { generateRunName } from "./runs/run-names";
import { workspaceRunTags } from "./runs/workspace-tags";
import {
  MAX_EXPERIMENT_TAG_VALUE_LENGTH,
  MAX_KEY_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_RUN_TAG_VALUE_LENGTH,
  checkMaxLength,
  parseExperimentId,
  truncateValue,
  validateBatchLimits,
  validateExperimentName,
  validateKey,
  validateRunId,
} from "./validation";
import {
  decodePageToken,
  encodePageToken,
  optEnum,
  optInt,
  optObjectList,
  optString,
  optStringList,
  reqInt,
  reqRunId,
  reqString,
  toDouble,
  type Fields,
} from "./http/wire";

export interface TrackingContext {
  db: Db;
  principal: Principal;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export type Body = Record<string, unknown>;

export const DEFAULT_ARTIFACT_ROOT = "mlflow-artifacts:";
export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const satisfies readonly RunStatus[];
export const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;
export const RUN_NAME_TAG = "mlflow.runName";
export const MAX_RUNS_SEARCH_RESULTS = 50000;
export const MAX_EXPERIMENTS_SEARCH_RESULTS = 50000;

const nowOf = (ctx: TrackingContext) => (ctx.now ? ctx.now() : Date.now());

/** Filter/order_by mistakes are the caller's: 400 INVALID_PARAMETER_VALUE with the parser's sentence. */
function asInvalidParam<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalidParam(err.message);
    throw err;
  }
}

// --- lookups and checks ------------------------------------------------------------------------

async function experimentOrThrow(db: Db, id: string): Promise<ExperimentRow> {
  const n = parseExperimentId(id);
  const row = n === null ? undefined : await findExperiment(db, n);
  if (!row) throw doesNotExist(`No Experiment with id=${id} exists`);
  return row;
}

async function runOrThrow(db: Db, id: string): Promise<RunRow> {
  validateRunId(id);
  const row = await findRun(db, id);
  if (!row) throw doesNotExist(`Run with id=${id} not found`);
  return row;
}

function assertExperimentWriter(p: Principal, exp: ExperimentRow): void {
  assertMayChange(p, { id: exp.ownerId, name: exp.owner }, `change experiment ${exp.id}`, permissionDenied);
}

/** Only the run's creator or an admin may write to it (and say it produced a model). */
export function assertRunWriter(p: Principal, run: RunRow, action = `write to run ${run.runUuid}`): void {
  assertMayChange(p, { id: run.ownerId, name: run.userId }, action, permissionDenied);
}

function assertExperimentActive(exp: ExperimentRow): void {
  if (exp.lifecycleStage !== "active") {
    throw invalidParam(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  }
}

/** The run, if the caller may write to it and it is active. */
export async function writableRun(ctx: TrackingContext, id: string, requireActive = true): Promise<RunRow> {
  const run = await runOrThrow(ctx.db, id);
  assertRunWriter(ctx.principal, run);
  if (requireActive && run.lifecycleStage !== "active") {
    throw invalidParam(`The run ${run.runUuid} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  }
  return run;
}

function readKeyValues(fields: Fields, name: string, opts: { keyKind: "tag" | "param"; maxValue: number; truncate: boolean }): KeyValue[] {
  return optObjectList(fields, name).map((item) => {
    const key = reqString(item, "key");
    validateKey(key, opts.keyKind);
    const raw = optString(item, "value") ?? "";
    if (!opts.truncate) checkMaxLength(raw, opts.maxValue, "value");
    return { key, value: truncateValue(raw, opts.maxValue) };
  });
}

function readMetric(item: Fields): MetricRow {
  const key = reqString(item, "key");
  validateKey(key, "metric");
  if (item.value === undefined || item.value === null) throw invalidParam("Missing value for required parameter 'value'. See the API docs for more information about request parameters.");
  if (typeof item.value === "boolean") throw invalidParam(`Got invalid value ${String(item.value)} for metric '${key}' (timestamp=${String(item.timestamp)}). Please specify value as a valid double (64-bit floating point)`);
  const value = toDouble(item.value, "value") ?? NaN;
  const timestamp = reqInt(item, "timestamp");
  if (timestamp < 0) throw invalidParam(`Got invalid timestamp ${timestamp} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer)`);
  const step = optInt(item, "step") ?? 0;
  return storedPoint({ key, value, timestamp, step });
}

async function touchTags(db: Db, run: RunRow, tags: KeyValue[]): Promise<void> {
  if (tags.length === 0) return;
  await upsertRunTags(db, run.runUuid, tags);
  const renamed = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG);
  if (renamed && renamed.value !== run.name) await updateRunRow(db, run.runUuid, { name: renamed.value });
}

async function writeParams(db: Db, runUuid: string, params: KeyValue[], batch: boolean): Promise<void> {
  const conflicts = await insertParams(db, runUuid, params);
  const first = conflicts[0];
  if (!first) return;
  if (!batch) {
    throw invalidParam(
      `Changing param values is not allowed. Param with key='${first.key}' was already logged with value='${first.old}' for run ID='${runUuid}'. Attempted logging new value '${first.new}'.`,
    );
  }
  const listed = conflicts.map((c) => `{'key': '${c.key}', 'old_value': '${c.old}', 'new_value': '${c.new}'}`).join(", ");
  throw invalidParam(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${runUuid}'.`);
}

async function fullRun(db: Db, run: RunRow): Promise<WireRun> {
  const [data, inputs] = await Promise.all([runDataOf(db, [run.runUuid]), runInputsOf(db, [run.runUuid])]);
  return runToWire(run, data.get(run.runUuid), inputs.get(run.runUuid));
}

// --- experiments -------------------------------------------------------------------------------

export async function createExperiment(ctx: TrackingContext, f: Fields): Promise<Body> {
  const name = reqString(f, "name");
  validateExperimentName(name);
  const artifactLocation = optString(f, "artifact_location") || undefined;
  const tags = optObjectList(f, "tags").map((t) => {
    const key = reqString(t, "key");
    checkMaxLength(key, MAX_KEY_LENGTH, "key");
    const value = optString(t, "value") ?? "";
    checkMaxLength(value, MAX_EXPERIMENT_TAG_VALUE_LENGTH, "value");
    return { key, value };
  });
  const row = await insertExperiment(ctx.db, { name, artifactLocation, owner: ctx.principal.name, ownerId: ctx.principal.userId ?? null, now: nowOf(ctx), tags, defaultRoot: DEFAULT_ARTIFACT_ROOT });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists. Error: an experiment with this name exists (it may be deleted).`);
  return { experiment_id: String(row.id) };
}

async function experimentBody(db: Db, row: ExperimentRow): Promise<Body> {
  const tags = await experimentTagsOf(db, [row.id]);
  return { experiment: experimentToWire(row, tags.get(row.id)) };
}

export async function getExperiment(ctx: TrackingContext, f: Fields): Promise<Body> {
  return experimentBody(ctx.db, await experimentOrThrow(ctx.db, reqString(f, "experiment_id")));
}

export async function getExperimentByName(ctx: TrackingContext, f: Fields): Promise<Body> {
  const name = reqString(f, "experiment_name");
  const row = await findExperimentByName(ctx.db, name);
  if (!row) throw doesNotExist(`Could not find experiment with name '${name}'`);
  return experimentBody(ctx.db, row);
}

function lifecycleCondition(view: (typeof VIEW_TYPES)[number]): "active" | "deleted" | null {
  return view === "ACTIVE_ONLY" ? "active" : view === "DELETED_ONLY" ? "deleted" : null;
}

export async function searchExperiments(ctx: TrackingContext, f: Fields): Promise<Body> {
  const requested = optInt(f, "max_results");
  if (requested !== undefined && requested < 0) throw invalidParam(`Invalid value ${requested} for parameter 'max_results' supplied: it must be at least 1.`);
  const max = requested ? requested : 1000;
  if (max > MAX_EXPERIMENTS_SEARCH_RESULTS) {
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${MAX_EXPERIMENTS_SEARCH_RESULTS}.`);
  }
  const offset = decodePageToken(optString(f, "page_token"));
  const view = optEnum(f, "view_type", VIEW_TYPES) ?? "ACTIVE_ONLY";
  const filter = asInvalidParam(() => compileExperimentFilter(optString(f, "filter") ?? ""));
  const orderBy = asInvalidParam(() => compileExperimentOrderBy(optStringList(f, "order_by")));
  const rows = await searchExperimentRows(ctx.db, { lifecycle: lifecycleCondition(view), filter, orderBy, limit: max + 1, offset });
  const page = rows.slice(0, max);
  const tags = await experimentTagsOf(ctx.db, page.map((r) => r.id));
  const body: Body = {};
  if (page.length > 0) body.experiments = page.map((r) => experimentToWire(r, tags.get(r.id)));
  if (rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}

export async function updateExperiment(ctx: TrackingContext, f: Fields): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, reqString(f, "experiment_id"));
  const newName = reqString(f, "new_name");
  validateExperimentName(newName);
  assertExperimentWriter(ctx.principal, exp);
  if (exp.lifecycleStage !== "active") throw new TrackingError("INVALID_STATE", "Cannot rename a non-active experiment.");
  if (!(await renameExperiment(ctx.db, exp.id, newName, nowOf(ctx)))) {
    throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${newName}) already exists.`);
  }
  return {};
}

async function setExperimentStage(ctx: TrackingContext, f: Fields, stage: "active" | "deleted"): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, reqString(f, "experiment_id"));
  assertExperimentWriter(ctx.principal, exp);
  await setExperimentLifecycle(ctx.db, exp.id, stage, nowOf(ctx));
  return {};
}

export const deleteExperiment = (ctx: TrackingContext, f: Fields) => setExperimentStage(ctx, f, "deleted");
export const restoreExperiment = (ctx: TrackingContext, f: Fields) => setExperimentStage(ctx, f, "active");

export async function setExperimentTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, reqString(f, "experiment_id"));
  const key = reqString(f, "key");
  checkMaxLength(key, MAX_KEY_LENGTH, "key");
  const value = optString(f, "value") ?? "";
  checkMaxLength(value, MAX_EXPERIMENT_TAG_VALUE_LENGTH, "value");
  assertExperimentWriter(ctx.principal, exp);
  assertExperimentActive(exp);
  await upsertExperimentTag(ctx.db, exp.id, { key, value }, nowOf(ctx));
  return {};
}

export async function deleteExperimentTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, reqString(f, "experiment_id"));
  const key = reqString(f, "key");
  assertExperimentWriter(ctx.principal, exp);
  assertExperimentActive(exp);
  if (!(await deleteExperimentTagRow(ctx.db, exp.id, key))) {
    throw doesNotExist(`No tag with name: ${key} in experiment with id ${exp.id}`);
  }
  return {};
}

// --- runs --------------------------------------------------------------------------------------

export async function createRun(ctx: TrackingContext, f: Fields): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, optString(f, "experiment_id") || "0");
  assertExperimentActive(exp);
  const tags = readKeyValues(f, "tags", { keyKind: "tag", maxValue: MAX_RUN_TAG_VALUE_LENGTH, truncate: true });
  const given = optString(f, "run_name") || undefined;
  const tagged = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value;
  if (given !== undefined && tagged !== undefined && given !== tagged) {
    throw invalidParam(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${given}', mlflow.runName='${tagged}').`,
    );
  }
  const name = given ?? tagged ?? generateRunName();
  if (tagged === undefined) tags.push({ key: RUN_NAME_TAG, value: name });
  // Appended last so they win over what the client sent (upsert: last value per key wins).
  tags.push(...(await workspaceRunTags(ctx.db, ctx.principal)));
  const runUuid = randomUUID().replace(/-/g, "");
  const run = await insertRun(
    ctx.db,
    {
      runUuid,
      experimentId: exp.id,
      name,
      userId: ctx.principal.name,
      ownerId: ctx.principal.userId ?? null,
      status: "RUNNING",
      startTime: optInt(f, "start_time") ?? nowOf(ctx),
      endTime: null,
      artifactUri: `${exp.artifactLocation}/${runUuid}/artifacts`,
    },
    tags,
  );
  return { run: await fullRun(ctx.db, run) };
}

export async function getRun(ctx: TrackingContext, f: Fields): Promise<Body> {
  return { run: await fullRun(ctx.db, await runOrThrow(ctx.db, reqRunId(f))) };
}

export async function updateRun(ctx: TrackingContext, f: Fields): Promise<Body> {
  const run = await writableRun(ctx, reqRunId(f));
  const status = optEnum(f, "status", RUN_STATUSES);
  const endTime = optInt(f, "end_time");
  const name = optString(f, "run_name") || undefined;
  const patch: Parameters<typeof updateRunRow>[2] = {};
  if (status !== undefined) patch.status = status;
  if (endTime !== undefined) patch.endTime = endTime;
  if (name !== undefined) patch.name = name;
  const row = await updateRunRow(ctx.db, run.runUuid, patch);
  if (name !== undefined) await upsertRunTags(ctx.db, run.runUuid, [{ key: RUN_NAME_TAG, value: name }]);
  return { run_info: runInfoToWire(row ?? run) };
}

export async function deleteRun(ctx: TrackingContext, f: Fields): Promise<Body> {
  const run = await writableRun(ctx, reqRunId(f), false);
  await updateRunRow(ctx.db, run.runUuid, { lifecycleStage: "deleted", deletedTime: nowOf(ctx) });
  return {};
}

export async function restoreRun(ctx: TrackingContext, f: Fields): Promise<Body> {
  const run = await writableRun(ctx, reqRunId(f), false);
  await updateRunRow(ctx.db, run.runUuid, { lifecycleStage: "active", deletedTime: null });
  return {};
}

export async function logMetric(ctx: TrackingContext, f: Fields): Promise<Body> {
  const point = readMetric(f);
  const run = await writableRun(ctx, reqRunId(f));
  await insertMetrics(ctx.db, run.runUuid, [point]);
  return {};
}

export async function logParameter(ctx: TrackingContext, f: Fields): Promise<Body> {
  const key = reqString(f, "key");
  validateKey(key, "param");
  const value = truncateValue(optString(f, "value") ?? "", MAX_PARAM_VALUE_LENGTH);
  const run = await writableRun(ctx, reqRunId(f));
  await writeParams(ctx.db, run.runUuid, [{ key, value }], false);
  return {};
}

export async function logBatch(ctx: TrackingContext, f: Fields): Promise<Body> {
  const rawMetrics = optObjectList(f, "metrics");
  const rawParams = optObjectList(f, "params");
  const rawTags = optObjectList(f, "tags");
  validateBatchLimits(rawMetrics.length, rawParams.length, rawTags.length);
  const points = rawMetrics.map(readMetric);
  const params = readKeyValues(f, "params", { keyKind: "param", maxValue: MAX_PARAM_VALUE_LENGTH, truncate: true });
  const tags = readKeyValues(f, "tags", { keyKind: "tag", maxValue: MAX_RUN_TAG_VALUE_LENGTH, truncate: true });
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of params) (seen.has(p.key) ? dups : seen).add(p.key);
  if (dups.size > 0) {
    throw invalidParam(
      `Duplicate parameter keys have been submitted: [${[...dups].map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
    );
  }
  const run = await writableRun(ctx, reqRunId(f));
  // All or nothing: a batch refused for one changed param leaves none of its params, metrics or tags.
  await ctx.db.transaction(async (tx) => {
    await writeParams(tx, run.runUuid, params, true);
    await insertMetrics(tx, run.runUuid, points);
    await touchTags(tx, run, tags);
  });
  return {};
}

export async function setTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const key = reqString(f, "key");
  validateKey(key, "tag");
  const value = truncateValue(optString(f, "value") ?? "", MAX_RUN_TAG_VALUE_LENGTH);
  const run = await writableRun(ctx, reqRunId(f));
  await touchTags(ctx.db, run, [{ key, value }]);
  return {};
}

export async function deleteTag(ctx: TrackingContext, f: Fields): Promise<Body> {
  const key = reqString(f, "key");
  const run = await writableRun(ctx, reqRunId(f));
  if (!(await deleteRunTag(ctx.db, run.runUuid, key))) throw doesNotExist(`No tag with name: ${key} in run with id ${run.runUuid}`);
  return {};
}

export async function logInputs(ctx: TrackingContext, f: Fields): Promise<Body> {
  const inputs = readDatasetInputs(f);
  const run = await writableRun(ctx, reqRunId(f));
  await recordDatasetInputs(ctx.db, run.experimentId, run.runUuid, inputs);
  return {};
}

export async function getMetricHistory(ctx: TrackingContext, f: Fields): Promise<Body> {
  const run = await runOrThrow(ctx.db, reqRunId(f));
  const key = reqString(f, "metric_key");
  const max = optInt(f, "max_results");
  if (max !== undefined && max < 1) throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied: it must be at least 1.`);
  const offset = decodePageToken(optString(f, "page_token"));
  const rows = await metricHistory(ctx.db, run.runUuid, key, max === undefined ? null : max + 1, offset);
  const page = max === undefined ? rows : rows.slice(0, max);
  const body: Body = {};
  if (page.length > 0) body.metrics = page.map(metricToWire);
  if (max !== undefined && rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}

export async function searchRuns(ctx: TrackingContext, f: Fields): Promise<Body> {
  const experimentIds: number[] = [];
  for (const id of optStringList(f, "experiment_ids")) {
    const n = parseExperimentId(id);
    if (n !== null) experimentIds.push(n);
  }
  const view = optEnum(f, "run_view_type", VIEW_TYPES) ?? "ACTIVE_ONLY";
  const max = optInt(f, "max_results") ?? 1000;
  if (max < 1 || max > MAX_RUNS_SEARCH_RESULTS) {
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${MAX_RUNS_SEARCH_RESULTS} and at least 1.`);
  }
  const offset = decodePageToken(optString(f, "page_token"));
  const parsed = asInvalidParam(() => parseFilter(optString(f, "filter") ?? ""));
  const filter = asInvalidParam(() => compileRunFilter(parsed));
  const { leading, orderBy } = asInvalidParam(() => compileRunSort(parseOrderByList(optStringList(f, "order_by")), parsed));
  if (experimentIds.length === 0) return {};
  const ids = await searchRunIds(ctx.db, { experimentIds, lifecycle: lifecycleCondition(view), filter, orderBy, leading, limit: max, offset });
  if (ids.length === 0) return {};
  const [rows, data, inputs] = await Promise.all([findRunsByIds(ctx.db, ids), runDataOf(ctx.db, ids), runInputsOf(ctx.db, ids)]);
  const byId = new Map(rows.map((r) => [r.runUuid, r]));
  const out: WireRun[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) out.push(runToWire(row, data.get(id), inputs.get(id)));
  }
  const body: Body = { runs: out };
  if (ids.length === max) body.next_page_token = encodePageToken(offset + max);
  return body;
}
