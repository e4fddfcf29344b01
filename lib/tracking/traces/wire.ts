/**
 * MLflow's trace entities on the wire (mlflow/protos/service.proto TraceInfoV3 and the deprecated TraceInfo,
 * mlflow/entities/trace_info_v3.py): protobuf JSON, so `request_time` is an RFC 3339 timestamp and
 * `execution_duration` a duration such as "0.250s", while the v2 shapes carry epoch milliseconds.
 */
import type { AssessmentRow, TraceRow } from "@/db/queries/traces";
import { invalidParam } from "../errors";

export const TRACE_STATES = ["STATE_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS"] as const;
export type TraceState = (typeof TRACE_STATES)[number];
/** The v2 TraceStatus names (TRACE_STATUS_UNSPECIFIED = 0). */
export const TRACE_STATUSES = ["TRACE_STATUS_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS"] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

export const stateOfStatus = (s: TraceStatus): TraceState => (s === "TRACE_STATUS_UNSPECIFIED" ? "STATE_UNSPECIFIED" : s);
const statusOfState = (s: TraceState): TraceStatus => (s === "STATE_UNSPECIFIED" ? "TRACE_STATUS_UNSPECIFIED" : s);

/** Tag keys MLflow reads (mlflow/tracing/constant.py). */
export const TRACE_NAME_TAG = "mlflow.traceName";
export const ARTIFACT_LOCATION_TAG = "mlflow.artifactLocation";
/** Metadata key naming the run a trace was made in. */
export const SOURCE_RUN_METADATA = "mlflow.sourceRun";

/** protobuf JSON Timestamp → epoch ms. Accepts RFC 3339 with up to 9 fraction digits and any offset, or epoch ms. */
export function parseTimestamp(v: string | number, field: string): number {
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  const m = typeof v === "string" ? /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(v.trim()) : null;
  const ms = m ? Date.parse(`${m[1]}.${(m[2] ?? "").padEnd(3, "0").slice(0, 3)}${m[3]}`) : NaN;
  if (!Number.isFinite(ms))
    throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected an RFC 3339 timestamp.`);
  return ms;
}

/** protobuf JSON Duration ("1.5s", "-0.001s") → whole milliseconds. */
export function parseDuration(v: string | number, field: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return Math.round(v);
  const m = typeof v === "string" ? /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(v.trim()) : null;
  if (!m) throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a duration such as "1.5s".`);
  return Math.round(Number(`${m[1]}.${m[2] ?? "0"}`) * 1000);
}

const formatTimestamp = (ms: number) => new Date(ms).toISOString();
const formatDuration = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

const pairs = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

export function assessmentView(a: AssessmentRow): Record<string, unknown> {
  const value =
    a.kind === "feedback"
      ? { feedback: { value: a.value, ...(a.error ? { error: a.error } : {}) } }
      : { expectation: expectationOf(a.value) };
  return {
    assessment_id: a.assessmentId,
    assessment_name: a.name,
    trace_id: a.traceId,
    ...(a.spanId ? { span_id: a.spanId } : {}),
    source: { source_type: a.sourceType, ...(a.sourceId ? { source_id: a.sourceId } : {}) },
    create_time: formatTimestamp(a.createTime),
    last_update_time: formatTimestamp(a.lastUpdateTime),
    ...value,
    ...(a.rationale !== null ? { rationale: a.rationale } : {}),
    ...(Object.keys(a.metadata).length > 0 ? { metadata: a.metadata } : {}),
    ...(a.overrides ? { overrides: a.overrides } : {}),
    valid: a.valid,
  };
}

/** Expectations keep either a plain JSON value or `{ serialized_value: { serialization_format, value } }`. */
function expectationOf(stored: unknown): Record<string, unknown> {
  if (typeof stored === "object" && stored !== null && "serialized_value" in stored) return stored;
  return { value: stored };
}

/** TraceInfoV3 (mlflow/protos/service.proto). */
export function traceInfoV3(t: TraceRow, assessments: readonly AssessmentRow[] = []): Record<string, unknown> {
  return {
    trace_id: t.traceId,
    ...(t.clientRequestId ? { client_request_id: t.clientRequestId } : {}),
    trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: String(t.experimentId) } },
    ...(t.requestPreview !== null ? { request_preview: t.requestPreview } : {}),
    ...(t.responsePreview !== null ? { response_preview: t.responsePreview } : {}),
    request_time: formatTimestamp(t.requestTime),
    ...(t.executionDuration !== null ? { execution_duration: formatDuration(t.executionDuration) } : {}),
    state: t.state,
    trace_metadata: t.metadata,
    assessments: assessments.map(assessmentView),
    tags: t.tags,
  };
}

/** The deprecated TraceInfo (v2): `request_id`, epoch milliseconds, lists of key/value pairs. */
export function traceInfoV2(t: TraceRow): Record<string, unknown> {
  return {
    request_id: t.traceId,
    experiment_id: String(t.experimentId),
    timestamp_ms: t.requestTime,
    ...(t.executionDuration !== null ? { execution_time_ms: t.executionDuration } : {}),
    status: statusOfState(t.state),
    request_metadata: pairs(t.metadata),
    tags: pairs(t.tags),
  };
}
