/**
 * The trace operations of the MLflow 3 server (mlflow/server/handlers.py, mlflow/store/tracking/
 * sqlalchemy_store.py): start and end (v2), start (v3, which the client calls when the trace has ended and
 * which also completes a trace whose spans came first over OTLP), get, search, delete, tags, links to runs and
 * the trace data download. Rows of lib/tracking/http/operations.ts; each write runs in the request's transaction.
 */
import { randomBytes } from "node:crypto";
import { and, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { findRun } from "@/db/queries/tracking";
import {
  assessmentsOf,
  deleteTraceTag,
  deleteTracesByIds,
  deleteTracesOlderThan,
  findTraces,
  insertTraceIfMissing,
  linkTracesToRun,
  mergeTraceTags,
  searchTraceRows,
  spansPage,
  tracesOfRun,
  updateTrace,
  type TraceRow,
} from "@/db/queries/traces";
import type { ExperimentRow } from "@/db/queries/tracking";
import { can, experimentResource, readableBy } from "@/lib/auth/access";
import { nowOf, type Body, type TrackingContext } from "../context";
import { doesNotExist, invalidParam, permissionDenied, TrackingError } from "../errors";
import { missingParam } from "../http/fields";
import type { traceSchemas, TraceInfoV3Input } from "../http/trace-schemas";
import { assertRunWriter } from "../http/targets";
import { decodePageToken, pageOf } from "../search/page-token";
import { parseExperimentId } from "../validation";
import type { z } from "zod";
import { activeExperimentOrThrow, experimentOrThrow, mayChangeTrace, traceOrThrow } from "./access";
import { storeTraceInfoAssessments } from "./assessments";
import { releaseSpanBytes } from "./store-spans";
import { validateTraceId } from "./ids";
import { MAX_PREVIEW_CHARS, MAX_TRACE_TAG_KEY, MAX_TRACE_TAG_VALUE, MAX_TRACES_PER_LINK, SPAN_PAGE_SIZE } from "./limits";
import { traceFilterSql, traceOrderSql } from "./search";
import {
  ARTIFACT_LOCATION_TAG,
  SOURCE_RUN_METADATA,
  TRACE_NAME_TAG,
  parseDuration,
  parseTimestamp,
  stateOfStatus,
  traceInfoV2,
  traceInfoV3,
} from "./wire";

type In<K extends keyof typeof traceSchemas> = z.output<(typeof traceSchemas)[K]>;

export const SEARCH_TRACES_DEFAULT_MAX_RESULTS = 100;
export const SEARCH_TRACES_MAX_RESULTS = 50000;

/** Where MLflow says a trace's files go: `<experiment artifact location>/traces/<trace_id>/artifacts`. */
export const traceArtifactLocation = (exp: ExperimentRow, traceId: string) =>
  `${exp.artifactLocation.replace(/\/+$/, "")}/traces/${traceId}/artifacts`;

const preview = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_PREVIEW_CHARS));

function checkTag(key: string, value: string, field: string): void {
  if (key.length > MAX_TRACE_TAG_KEY)
    throw invalidParam(`Trace tag key '${key.slice(0, 40)}…' in '${field}' is longer than ${MAX_TRACE_TAG_KEY} characters.`);
  if (value.length > MAX_TRACE_TAG_VALUE)
    throw invalidParam(`Trace tag '${key}' in '${field}' has a value longer than ${MAX_TRACE_TAG_VALUE} characters.`);
}

function checkTags(tags: Record<string, string>, field: string): Record<string, string> {
  for (const [k, v] of Object.entries(tags)) checkTag(k, v, field);
  return tags;
}

const mapOf = (pairs: { key: string; value: string }[]) => Object.fromEntries(pairs.map((p) => [p.key, p.value]));

async function withAssessments(ctx: TrackingContext, rows: TraceRow[]): Promise<Record<string, unknown>[]> {
  const byTrace = await assessmentsOf(
    ctx.db,
    rows.map((r) => r.traceId),
  );
  return rows.map((r) => traceInfoV3(r, byTrace.get(r.traceId) ?? []));
}

/**
 * Metadata `mlflow.sourceRun` lists a trace under that run (db/queries/traces.ts `runIdIs`), as LinkTracesToRun
 * does: only the run's writer may make it, with the same check. Unchanged metadata is not checked again, so
 * whoever may change the trace can still end it.
 */
async function assertMayListUnderRun(ctx: TrackingContext, metadata: Record<string, string>, before: Record<string, string> = {}) {
  const runId = metadata[SOURCE_RUN_METADATA];
  if (runId === undefined || runId === before[SOURCE_RUN_METADATA]) return;
  const run = await findRun(ctx.db, runId);
  if (run) await assertRunWriter(ctx.db, ctx.principal, run, `link traces to run ${run.runUuid}`);
}

/** StartTraceV3 (POST /api/3.0/mlflow/traces): the whole trace info, sent when the trace has ended. */
export async function startTraceV3(ctx: TrackingContext, input: In<"startV3">): Promise<Body> {
  const info: TraceInfoV3Input = input.trace.trace_info;
  const traceId = validateTraceId(info.trace_id, "trace.trace_info.trace_id");
  const expId = info.trace_location?.mlflow_experiment?.experiment_id;
  if (!expId) throw missingParam("trace.trace_info.trace_location.mlflow_experiment.experiment_id");
  const exp = await activeExperimentOrThrow(ctx.db, expId);
  const fields = {
    clientRequestId: info.client_request_id ?? null,
    requestTime: info.request_time === undefined ? nowOf(ctx) : parseTimestamp(info.request_time, "trace.trace_info.request_time"),
    executionDuration:
      info.execution_duration === undefined ? null : parseDuration(info.execution_duration, "trace.trace_info.execution_duration"),
    state: info.state ?? "STATE_UNSPECIFIED",
    requestPreview: preview(info.request_preview) ?? null,
    responsePreview: preview(info.response_preview) ?? null,
  };
  const tags = { ...checkTags(info.tags, "trace.trace_info.tags"), [ARTIFACT_LOCATION_TAG]: traceArtifactLocation(exp, traceId) };
  const { row, created } = await insertTraceIfMissing(ctx.db, {
    traceId,
    experimentId: exp.id,
    ...fields,
    metadata: info.trace_metadata,
    tags,
    creator: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
  });
  await assertMayListUnderRun(ctx, info.trace_metadata, created ? {} : row.metadata);
  let trace = row;
  if (!created) {
    // The spans came first (OTLP, rest_store.log_spans) and made the row; this completes it.
    if (row.experimentId !== exp.id) throw invalidParam(`Trace ${traceId} is in experiment ${row.experimentId}, not ${exp.id}.`);
    if (!mayChangeTrace(ctx.principal, row, exp)) throw permissionDenied(`Trace ${traceId} exists and was started by someone else.`);
    trace = await updateTrace(ctx.db, traceId, {
      ...fields,
      metadata: { ...row.metadata, ...info.trace_metadata },
      tags: { ...row.tags, ...tags },
    });
  }
  await storeTraceInfoAssessments(ctx, traceId, info.assessments);
  const [view] = await withAssessments(ctx, [trace]);
  return { trace: { trace_info: view } };
}

/** StartTrace (deprecated v2, POST /api/2.0/mlflow/traces): an in-progress trace, ended later by EndTrace. */
export async function startTraceV2(ctx: TrackingContext, input: In<"startV2">): Promise<Body> {
  const exp = await activeExperimentOrThrow(ctx.db, input.experiment_id);
  await assertMayListUnderRun(ctx, mapOf(input.request_metadata));
  // MLflow's v2 request ids are uuid4().hex.
  const traceId = randomBytes(16).toString("hex");
  const { row } = await insertTraceIfMissing(ctx.db, {
    traceId,
    experimentId: exp.id,
    requestTime: input.timestamp_ms,
    state: "IN_PROGRESS",
    metadata: mapOf(input.request_metadata),
    tags: { ...checkTags(mapOf(input.tags), "tags"), [ARTIFACT_LOCATION_TAG]: traceArtifactLocation(exp, traceId) },
    creator: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
  });
  return { trace_info: traceInfoV2(row) };
}

/** EndTrace (deprecated v2, PATCH /api/2.0/mlflow/traces/<request_id>), on a trace the caller may change. */
export async function endTraceV2(ctx: TrackingContext, input: In<"endV2">, trace: TraceRow): Promise<Body> {
  await assertMayListUnderRun(ctx, mapOf(input.request_metadata), trace.metadata);
  const row = await updateTrace(ctx.db, trace.traceId, {
    executionDuration: Math.max(0, input.timestamp_ms - trace.requestTime),
    ...(input.status ? { state: stateOfStatus(input.status) } : {}),
    metadata: { ...trace.metadata, ...mapOf(input.request_metadata) },
    tags: { ...trace.tags, ...checkTags(mapOf(input.tags), "tags") },
  });
  return { trace_info: traceInfoV2(row) };
}

export async function getTraceInfoV2(ctx: TrackingContext, input: In<"requestId">): Promise<Body> {
  return { trace_info: traceInfoV2(await traceOrThrow(ctx.db, input.request_id, "request_id")) };
}

export async function getTraceInfoV3(ctx: TrackingContext, input: In<"traceId">): Promise<Body> {
  const [view] = await withAssessments(ctx, [await traceOrThrow(ctx.db, input.trace_id)]);
  return { trace: { trace_info: view } };
}

function experimentIdsOf(ids: string[], field: string): number[] {
  if (ids.length === 0) throw missingParam(field);
  return ids.map((id) => {
    const n = parseExperimentId(id);
    if (n === null) throw invalidParam(`Invalid value ${JSON.stringify(id)} for parameter '${field}' supplied: not an experiment id.`);
    return n;
  });
}

async function searchRows(
  ctx: TrackingContext,
  experimentIds: number[],
  input: In<"searchV2">,
): Promise<{ page: TraceRow[]; next_page_token?: string }> {
  const max = input.max_results || SEARCH_TRACES_DEFAULT_MAX_RESULTS;
  if (max < 0 || max > SEARCH_TRACES_MAX_RESULTS) {
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${SEARCH_TRACES_MAX_RESULTS}.`);
  }
  const offset = decodePageToken(input.page_token);
  const conditions: SQL[] = traceFilterSql(input.filter);
  const rows = await searchTraceRows(ctx.db, {
    readable: readableBy(ctx.principal, "trace"),
    experimentIds,
    where: conditions.length > 0 ? and(...conditions) : undefined,
    orderBy: traceOrderSql(input.order_by),
    limit: max + 1,
    offset,
  });
  return pageOf(rows, max, offset);
}

/** SearchTraces (v2, GET /api/2.0/mlflow/traces). */
export async function searchTracesV2(ctx: TrackingContext, input: In<"searchV2">): Promise<Body> {
  const { page, next_page_token } = await searchRows(ctx, experimentIdsOf(input.experiment_ids, "experiment_ids"), input);
  return { traces: page.map(traceInfoV2), ...(next_page_token ? { next_page_token } : {}) };
}

/** SearchTracesV3 (POST /api/3.0/mlflow/traces/search): experiments as `locations`, or `experiment_ids` from 3.0 clients. */
export async function searchTracesV3(ctx: TrackingContext, input: In<"searchV3">): Promise<Body> {
  const fromLocations = input.locations.map((l, i) => {
    const id = l.mlflow_experiment?.experiment_id;
    if (!id) throw missingParam(`locations[${i}].mlflow_experiment.experiment_id`);
    return id;
  });
  const ids = experimentIdsOf([...fromLocations, ...input.experiment_ids], "locations");
  const { page, next_page_token } = await searchRows(ctx, ids, input);
  return { traces: await withAssessments(ctx, page), ...(next_page_token ? { next_page_token } : {}) };
}

/**
 * DeleteTraces (POST …/traces/delete-traces): by ids, each of which the caller may change, or the oldest
 * `max_traces` up to `max_timestamp_millis`, which only the experiment's owner or an admin may ask for.
 * Runs the traces were linked to stay.
 */
export async function deleteTraces(ctx: TrackingContext, input: In<"delete">): Promise<Body> {
  const exp = await experimentOrThrow(ctx.db, input.experiment_id);
  const ids = [...input.request_ids, ...input.trace_ids];
  const maxTs = input.max_timestamp_millis;
  if (maxTs === undefined && ids.length === 0) throw invalidParam("Either `max_timestamp_millis` or `trace_ids` must be specified.");
  if (maxTs !== undefined && ids.length > 0) throw invalidParam("Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
  if (ids.length > 0 && input.max_traces !== undefined) throw invalidParam("`max_traces` can't be specified if `trace_ids` is specified.");
  if (input.max_traces !== undefined && input.max_traces <= 0) {
    throw invalidParam(`\`max_traces\` must be a positive integer, received ${input.max_traces}.`);
  }
  if (maxTs === undefined) {
    const found = (await findTraces(ctx.db, ids)).filter((t) => t.experimentId === exp.id);
    const refused = found.find((t) => !mayChangeTrace(ctx.principal, t, exp));
    if (refused)
      throw permissionDenied(
        `Only ${refused.creator ?? "its creator"}, the owner of experiment ${exp.id} or an admin may delete trace ${refused.traceId}.`,
      );
    return {
      traces_deleted: await released(
        ctx.db,
        deleteTracesByIds(
          ctx.db,
          exp.id,
          found.map((t) => t.traceId),
        ),
      ),
    };
  }
  if (!can(ctx.principal, "write", experimentResource(exp))) {
    throw permissionDenied(
      `Only the owner of experiment ${exp.id} or an admin may delete its traces by time; name your own traces by id instead.`,
    );
  }
  return { traces_deleted: await released(ctx.db, deleteTracesOlderThan(ctx.db, exp.id, maxTs, input.max_traces)) };
}

/** How many traces were deleted, after their span bytes are given back to their owners' storage. */
async function released(db: Db, deleting: Promise<TraceRow[]>): Promise<number> {
  const deleted = await deleting;
  await releaseSpanBytes(db, deleted);
  return deleted.length;
}

/** On a trace the caller may change (the operation's target). */
export async function setTraceTag(ctx: TrackingContext, input: { key: string; value: string }, trace: TraceRow): Promise<Body> {
  checkTag(input.key, input.value, "key");
  await mergeTraceTags(ctx.db, trace.traceId, { [input.key]: input.value });
  return {};
}

export async function removeTraceTag(ctx: TrackingContext, input: { key: string }, trace: TraceRow): Promise<Body> {
  if (!(input.key in trace.tags)) throw doesNotExist(`No trace tag with key '${input.key}' for trace with ID '${trace.traceId}'`);
  await deleteTraceTag(ctx.db, trace.traceId, input.key);
  return {};
}

/** LinkTracesToRun (POST /api/2.0/mlflow/traces/link-to-run): the run's writer shows traces under it. */
export async function linkTraces(ctx: TrackingContext, input: In<"link">): Promise<Body> {
  if (input.trace_ids.length > MAX_TRACES_PER_LINK) {
    throw invalidParam(
      `Cannot link more than ${MAX_TRACES_PER_LINK} traces to a run in a single request. Provided ${input.trace_ids.length} traces.`,
    );
  }
  const run = await findRun(ctx.db, input.run_id);
  if (!run) throw doesNotExist(`Run with id=${input.run_id} not found`);
  await assertRunWriter(ctx.db, ctx.principal, run, `link traces to run ${run.runUuid}`);
  const ids = [...new Set(input.trace_ids.map((id, i) => validateTraceId(id, `trace_ids[${i}]`)))];
  const found = new Set((await findTraces(ctx.db, ids)).map((t) => t.traceId));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw doesNotExist(`Trace with ID ${missing} is not found.`);
  await linkTracesToRun(ctx.db, run.runUuid, ids);
  return {};
}

/** Every span of a trace in start order, read a page at a time. */
export async function* traceSpanContents(ctx: TrackingContext, traceId: string): AsyncIterable<Record<string, unknown>> {
  let cursor: { startUs: number; spanId: string } | undefined;
  for (;;) {
    const page = await spansPage(ctx.db, traceId, SPAN_PAGE_SIZE, cursor);
    for (const s of page) yield s.content;
    const last = page[page.length - 1];
    if (!last || page.length < SPAN_PAGE_SIZE) return;
    cursor = { startUs: last.startUs, spanId: last.spanId };
  }
}

/** get-trace-artifact (GET /ajax-api/2.0/mlflow/get-trace-artifact?request_id=): the trace's traces.json. */
export async function getTraceData(ctx: TrackingContext, input: In<"traceData">): Promise<Body> {
  const trace = await traceOrThrow(ctx.db, input.request_id, "request_id");
  const spans: Record<string, unknown>[] = [];
  for await (const s of traceSpanContents(ctx, trace.traceId)) spans.push(s);
  return { spans };
}

/**
 * CalculateTraceFilterCorrelation (NPMI between two trace filters) is not computed here: MLflow's own
 * NOT_IMPLEMENTED answer, after the filters are checked, so a bad filter is still the caller's 400.
 */
export async function calculateFilterCorrelation(_ctx: TrackingContext, input: In<"filterCorrelation">): Promise<Body> {
  for (const f of [input.filter_string1, input.filter_string2, input.base_filter]) traceFilterSql(f);
  throw new TrackingError(
    "NOT_IMPLEMENTED",
    "calculate_trace_filter_correlation is not implemented by this server; count the traces each filter matches with search_traces instead.",
  );
}

export interface TraceSummary {
  traceId: string;
  name: string | null;
  state: TraceRow["state"];
  requestTime: number;
  durationMs: number | null;
  requestPreview: string | null;
}

/** The run page's list: traces made in the run or linked to it, newest first. */
export async function tracesOfRunView(ctx: TrackingContext, runUuid: string, limit = 100): Promise<TraceSummary[]> {
  return (await tracesOfRun(ctx.db, runUuid, limit)).map((t) => ({
    traceId: t.traceId,
    name: t.tags[TRACE_NAME_TAG] ?? null,
    state: t.state,
    requestTime: t.requestTime,
    durationMs: t.executionDuration,
    requestPreview: t.requestPreview,
  }));
}
