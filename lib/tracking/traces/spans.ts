/**
 * Span data as the MLflow 3 client writes it in `traces.json` (mlflow/entities/span.py `Span.to_dict`:
 * OTLP-style keys, ids in base64, attribute values JSON-encoded strings) and as older clients did (hex ids
 * with `0x`, `context`/`parent_id`/`start_time`). Each becomes one `trace_spans` row: its ids in hex for the
 * tree, its times in microseconds for ordering, and the dictionary itself, returned as it came.
 */
import type { NewSpan } from "@/db/queries/traces";
import { isDict } from "@/lib/util/is-dict";
import { invalidParam } from "../errors";

type Dict = Record<string, unknown>;

/** An id in base64 (MLflow 3), `0x`-hex (MLflow 2) or plain hex → lower-case hex; undefined when empty. */
export function idToHex(v: unknown, bytes: number): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") return undefined;
  const hex = v.startsWith("0x") ? v.slice(2) : v;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(hex)) return hex.toLowerCase();
  const decoded = Buffer.from(v, "base64");
  return decoded.length === bytes ? decoded.toString("hex") : undefined;
}

/** Nanoseconds (number or decimal string) → whole microseconds. */
function nanosToMicros(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return Math.floor(v / 1000);
  if (typeof v === "string" && /^\d{1,20}$/.test(v)) return Number(BigInt(v) / 1000n);
  return undefined;
}

/** An attribute as MLflow stores it: a JSON-encoded string; the decoded value, or the raw one. */
function attributeValue(attrs: Dict, key: string): unknown {
  const raw = attrs[key];
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function statusCodeOf(status: unknown, legacy: unknown): string {
  const code = isDict(status) ? status.code : legacy;
  if (code === "STATUS_CODE_OK" || code === "OK" || code === 1) return "OK";
  if (code === "STATUS_CODE_ERROR" || code === "ERROR" || code === 2) return "ERROR";
  return "UNSET";
}

export interface ParsedSpan extends NewSpan {
  /** The MLflow trace id the span says it belongs to, if it says. */
  mlflowTraceId?: string;
}

/** One span dictionary → its row; `at` names it in a refusal (`spans[3]`). */
export function spanRow(span: unknown, at: string): ParsedSpan {
  if (!isDict(span)) throw invalidParam(`Invalid span at ${at}: expected an object.`);
  const context = isDict(span.context) ? span.context : {};
  const spanId = idToHex(span.span_id ?? context.span_id, 8);
  if (!spanId) throw invalidParam(`Invalid span at ${at}: 'span_id' is not an 8-byte id in base64 or hex.`);
  const parent = span.parent_span_id ?? span.parent_id;
  const parentSpanId = idToHex(parent, 8);
  if (parent && !parentSpanId) throw invalidParam(`Invalid span at ${at}: 'parent_span_id' is not an 8-byte id in base64 or hex.`);
  const startUs = nanosToMicros(span.start_time_unix_nano ?? span.start_time);
  if (startUs === undefined) throw invalidParam(`Invalid span at ${at}: 'start_time_unix_nano' must be a whole number of nanoseconds.`);
  const endRaw = span.end_time_unix_nano ?? span.end_time;
  const endUs = endRaw === undefined || endRaw === null ? null : (nanosToMicros(endRaw) ?? null);
  const name = typeof span.name === "string" ? span.name : "";
  const attrs = isDict(span.attributes) ? span.attributes : {};
  const type = attributeValue(attrs, "mlflow.spanType");
  const mlflowTraceId = attributeValue(attrs, "mlflow.traceRequestId");
  const sizeBytes = Buffer.byteLength(JSON.stringify(span));
  return {
    spanId,
    parentSpanId: parentSpanId ?? null,
    name,
    spanType: typeof type === "string" ? type : null,
    statusCode: statusCodeOf(span.status, span.status_code),
    startUs,
    endUs,
    content: span,
    sizeBytes,
    ...(typeof mlflowTraceId === "string" ? { mlflowTraceId } : {}),
  };
}

/** `{ "spans": [...] }` (traces.json) → rows; a span naming another trace is refused. */
export function spansOfTraceData(data: unknown, traceId: string): NewSpan[] {
  if (!isDict(data) || !Array.isArray(data.spans)) throw invalidParam("Trace data must be a JSON object with a 'spans' list.");
  return data.spans.map((s, i) => {
    const { mlflowTraceId, ...row } = spanRow(s, `spans[${i}]`);
    if (mlflowTraceId !== undefined && mlflowTraceId !== traceId) {
      throw invalidParam(`The span at spans[${i}] belongs to trace ${mlflowTraceId}, not ${traceId}.`);
    }
    return row;
  });
}
