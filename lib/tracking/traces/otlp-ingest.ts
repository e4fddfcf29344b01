/**
 * POST /v1/traces: OTLP span export into an experiment named by the `x-mlflow-experiment-id` header
 * (mlflow/server/otel_api.py; the MLflow 3 client sends each finished span here before StartTraceV3, see
 * mlflow/tracing/export/mlflow_v3.py). Spans are grouped by trace; a trace not seen yet is created in
 * progress and named after its root span, and completed when its root span arrives (or by StartTraceV3).
 */
import type { Db } from "@/db/client";
import { insertTraceIfMissing, updateTrace, type TraceRow } from "@/db/queries/traces";
import type { ExperimentRow } from "@/db/queries/tracking";
import { BodyTooLarge, readBodyBytes } from "@/lib/http/body";
import { storageLimitBytes } from "@/lib/quota/storage";
import type { TrackingContext } from "../context";
import { invalidParam, permissionDenied, TrackingError, trackingErrorResponse } from "../errors";
import { activeExperimentOrThrow, mayChangeTrace } from "./access";
import { traceIdOfOtel, validateTraceId } from "./ids";
import { MAX_SPAN_UPLOAD_BYTES } from "./limits";
import { traceArtifactLocation } from "./operations";
import { decodeOtlpJson, decodeOtlpProtobuf, mlflowSpanDict, type OtlpSpan } from "./otlp";
import { spanRow } from "./spans";
import { storeSpans, type SpanWrite } from "./store-spans";
import { ARTIFACT_LOCATION_TAG, TRACE_NAME_TAG } from "./wire";

export const EXPERIMENT_ID_HEADER = "x-mlflow-experiment-id";
const PREVIEW_CHARS = 1000;

/** The MLflow trace a span is in: its `mlflow.traceRequestId` attribute, else `tr-` and its OpenTelemetry id. */
function mlflowTraceIdOf(s: OtlpSpan): string {
  const attr = s.attributes["mlflow.traceRequestId"];
  if (typeof attr === "string") {
    try {
      const v: unknown = JSON.parse(attr);
      if (typeof v === "string") return v;
    } catch {
      return attr;
    }
  }
  return traceIdOfOtel(s.traceIdHex);
}

const previewOf = (v: unknown) => (typeof v === "string" ? v.slice(0, PREVIEW_CHARS) : null);

/** What the root span says about its trace once it has ended. */
function completion(root: OtlpSpan | undefined): Partial<TraceRow> {
  if (!root?.endNs) return {};
  return {
    state: root.statusCode === 2 ? "ERROR" : "OK",
    executionDuration: Math.round(Number((BigInt(root.endNs) - BigInt(root.startNs)) / 1000n) / 1000),
    requestPreview: previewOf(root.attributes["mlflow.spanInputs"]),
    responsePreview: previewOf(root.attributes["mlflow.spanOutputs"]),
  };
}

/** Creates or completes the trace (locked until the transaction ends); its spans, for `storeSpans`. */
async function ingestTrace(ctx: TrackingContext, exp: ExperimentRow, traceId: string, spans: OtlpSpan[]): Promise<SpanWrite> {
  validateTraceId(traceId, "span attribute mlflow.traceRequestId");
  const root = spans.find((s) => !s.parentSpanIdHex);
  const startMs = Math.min(...spans.map((s) => Number(BigInt(s.startNs) / 1_000_000n)));
  const { row, created } = await insertTraceIfMissing(ctx.db, {
    traceId,
    experimentId: exp.id,
    requestTime: startMs,
    state: "IN_PROGRESS",
    ...completion(root),
    metadata: { "mlflow.trace_schema.version": "3" },
    tags: { [ARTIFACT_LOCATION_TAG]: traceArtifactLocation(exp, traceId), ...(root ? { [TRACE_NAME_TAG]: root.name } : {}) },
    creator: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
  });
  if (!created) {
    if (row.experimentId !== exp.id) throw invalidParam(`Trace ${traceId} is in experiment ${row.experimentId}, not ${exp.id}.`);
    if (!mayChangeTrace(ctx.principal, row, exp))
      throw permissionDenied(`Trace ${traceId} was started by someone else; its spans cannot be added to.`);
    if (root && row.state === "IN_PROGRESS") {
      return spanWrite(
        await updateTrace(ctx.db, traceId, {
          ...completion(root),
          requestTime: Math.min(row.requestTime, startMs),
          tags: { ...row.tags, [TRACE_NAME_TAG]: row.tags[TRACE_NAME_TAG] ?? root.name },
        }),
        spans,
      );
    }
  }
  return spanWrite(row, spans, created);
}

function spanWrite(trace: TraceRow, spans: OtlpSpan[], created = false): SpanWrite {
  return {
    trace,
    created,
    spans: spans.map((s, i) => {
      const { mlflowTraceId: _ignored, ...rowOf } = spanRow(mlflowSpanDict(s, trace.traceId), `span ${i}`);
      return rowOf;
    }),
  };
}

/** Stores the spans of one export, all or nothing. */
export async function ingestOtlpSpans(ctx: TrackingContext, experimentId: string, spans: OtlpSpan[]): Promise<void> {
  const byTrace = new Map<string, OtlpSpan[]>();
  for (const s of spans) {
    const id = mlflowTraceIdOf(s);
    byTrace.set(id, [...(byTrace.get(id) ?? []), s]);
  }
  await ctx.db.transaction(async (tx: Db) => {
    const c = { ...ctx, db: tx };
    // The caller's quota (she owns the traces this export starts) is read with the experiment: the driver sends
    // both at once (postgres.js pipelines a transaction's queries), one round trip instead of two.
    const owner = ctx.principal.userId ?? null;
    const [exp, limit] = await Promise.all([
      activeExperimentOrThrow(tx, experimentId),
      owner === null ? null : storageLimitBytes(tx, owner),
    ]);
    const writes: SpanWrite[] = [];
    // Traces locked in id order, then the owners' usage rows: concurrent exports cannot deadlock.
    for (const [traceId, group] of [...byTrace].sort(([a], [b]) => (a < b ? -1 : 1)))
      writes.push(await ingestTrace(c, exp, traceId, group));
    await storeSpans(tx, writes, owner === null ? undefined : new Map([[owner, limit]]));
  });
}

/** The route's whole answer: 200 with an empty ExportTraceServiceResponse, or MLflow's error. */
export async function ingestOtlpRequest(req: Request, ctx: TrackingContext): Promise<Response> {
  try {
    const experimentId = req.headers.get(EXPERIMENT_ID_HEADER);
    if (!experimentId) throw invalidParam(`Missing required header '${EXPERIMENT_ID_HEADER}' naming the experiment the spans go to.`);
    const type = (req.headers.get("content-type") ?? "").toLowerCase();
    const protobuf = type.includes("application/x-protobuf") || type.includes("application/protobuf");
    if (!protobuf && !type.includes("json")) {
      throw invalidParam(`Invalid Content-Type: ${type || "(none)"}. Expected: application/x-protobuf or application/json.`);
    }
    let body: Uint8Array;
    try {
      body = await readBodyBytes(req, MAX_SPAN_UPLOAD_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new TrackingError("REQUEST_LIMIT_EXCEEDED", err.message);
      throw err;
    }
    const spans = protobuf ? decodeOtlpProtobuf(body) : decodeOtlpJson(Buffer.from(body).toString("utf8"));
    if (spans.length > 0) await ingestOtlpSpans(ctx, experimentId, spans);
    return protobuf ? new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } }) : Response.json({});
  } catch (err) {
    if (err instanceof TrackingError) return trackingErrorResponse(err);
    console.error("[atrium] OTLP span export failed:", err);
    return trackingErrorResponse(new TrackingError("INTERNAL_ERROR", "Something went wrong on the server; the error was logged."));
  }
}
