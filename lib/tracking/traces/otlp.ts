/**
 * OTLP/HTTP trace export bodies (opentelemetry/proto/collector/trace/v1/trace_service.proto), in protobuf
 * (what the MLflow 3 client sends, mlflow/store/tracking/rest_store.py `log_spans`) or in OTLP JSON (hex ids,
 * lowerCamelCase keys, 64-bit integers as strings). Both become the span dictionaries MLflow keeps in
 * traces.json (spans.ts), so a span reads back the same whichever way it came.
 */
import protobuf from "protobufjs";
import { invalidParam } from "../errors";
import { readOtlpSpans, type WireSpan } from "./otlp-protobuf";

/** The subset of opentelemetry/proto/trace/v1/trace.proto and common.proto that spans use, with the names and numbers those files give. */
const OTLP_PROTO = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

/** The request message, for encodeOtlpProtobuf and as the reference otlp-protobuf.ts is tested against. */
export const ExportRequest = protobuf.parse(OTLP_PROTO).root.lookupType("ExportTraceServiceRequest");

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** One span, ids in hex, times in nanoseconds as decimal strings. */
export interface OtlpSpan {
  traceIdHex: string;
  spanIdHex: string;
  parentSpanIdHex?: string;
  name: string;
  startNs: string;
  endNs?: string;
  attributes: Dict;
  statusCode: number;
  statusMessage: string;
  events: { name: string; timeNs: string; attributes: Dict }[];
}

/** An AnyValue (either encoding, after toObject) → plain JSON. */
function anyValue(v: unknown): unknown {
  if (!isDict(v)) return null;
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) return list(isDict(v.arrayValue) ? v.arrayValue.values : []).map(anyValue);
  if ("kvlistValue" in v) return keyValues(isDict(v.kvlistValue) ? v.kvlistValue.values : []);
  if ("bytesValue" in v) return String(v.bytesValue);
  return null;
}

function keyValues(kvs: unknown): Dict {
  const out: Dict = {};
  for (const kv of list(kvs)) if (isDict(kv) && typeof kv.key === "string") out[kv.key] = anyValue(kv.value);
  return out;
}

const HEX = (bytes: number) => new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`);

function idHex(v: unknown, bytes: number, encoding: "base64" | "hex", field: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const hex = typeof v !== "string" ? "" : encoding === "hex" ? v : Buffer.from(v, "base64").toString("hex");
  if (!HEX(bytes).test(hex)) throw invalidParam(`Invalid OTLP span: '${field}' must be ${bytes} bytes.`);
  return hex.toLowerCase();
}

/** A protobuf id: empty is unset, any length but `bytes` is refused as idHex refuses it. */
function bytesHex(v: Uint8Array | undefined, bytes: number, field: string): string | undefined {
  if (v === undefined || v.length === 0) return undefined;
  if (v.length !== bytes) throw invalidParam(`Invalid OTLP span: '${field}' must be ${bytes} bytes.`);
  return Buffer.from(v.buffer, v.byteOffset, v.length).toString("hex");
}

const nanos = (v: unknown): string => (typeof v === "string" && /^\d+$/.test(v) ? v : typeof v === "number" ? String(Math.trunc(v)) : "0");

const statusCodeOf = (code: unknown): number =>
  typeof code === "number" ? code : code === "STATUS_CODE_OK" ? 1 : code === "STATUS_CODE_ERROR" ? 2 : 0;

/** An OTLP JSON request (or protobufjs's toObject of one, ids in base64) → spans. */
export function spansOfOtlpObject(request: Dict, encoding: "base64" | "hex"): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const rs of list(request.resourceSpans)) {
    for (const ss of list(isDict(rs) ? rs.scopeSpans : [])) {
      for (const s of list(isDict(ss) ? ss.spans : [])) {
        if (!isDict(s)) continue;
        const status = isDict(s.status) ? s.status : {};
        const traceIdHex = idHex(s.traceId, 16, encoding, "traceId");
        const spanIdHex = idHex(s.spanId, 8, encoding, "spanId");
        if (!traceIdHex || !spanIdHex) throw invalidParam("Invalid OTLP span: 'traceId' and 'spanId' are required.");
        const parent = idHex(s.parentSpanId, 8, encoding, "parentSpanId");
        const end = nanos(s.endTimeUnixNano);
        out.push({
          traceIdHex,
          spanIdHex,
          ...(parent ? { parentSpanIdHex: parent } : {}),
          name: typeof s.name === "string" ? s.name : "",
          startNs: nanos(s.startTimeUnixNano),
          ...(end !== "0" ? { endNs: end } : {}),
          attributes: keyValues(s.attributes),
          statusCode: statusCodeOf(status.code),
          statusMessage: typeof status.message === "string" ? status.message : "",
          events: list(s.events).map((e) => {
            const ev = isDict(e) ? e : {};
            return {
              name: typeof ev.name === "string" ? ev.name : "",
              timeNs: nanos(ev.timeUnixNano),
              attributes: keyValues(ev.attributes),
            };
          }),
        });
      }
    }
  }
  return out;
}

/** An `application/x-protobuf` body. */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpSpan[] {
  let wire: WireSpan[];
  try {
    wire = readOtlpSpans(body);
  } catch {
    throw invalidParam("Invalid OpenTelemetry protobuf format.");
  }
  return wire.map((s) => {
    const traceIdHex = bytesHex(s.traceId, 16, "traceId");
    const spanIdHex = bytesHex(s.spanId, 8, "spanId");
    if (!traceIdHex || !spanIdHex) throw invalidParam("Invalid OTLP span: 'traceId' and 'spanId' are required.");
    const parent = bytesHex(s.parentSpanId, 8, "parentSpanId");
    return {
      traceIdHex,
      spanIdHex,
      ...(parent ? { parentSpanIdHex: parent } : {}),
      name: s.name,
      startNs: s.startNs,
      ...(s.endNs !== "0" ? { endNs: s.endNs } : {}),
      attributes: s.attributes,
      statusCode: s.statusCode,
      statusMessage: s.statusMessage,
      events: s.events,
    };
  });
}

/** An `application/json` body (OTLP JSON: ids in hex). */
export function decodeOtlpJson(text: string): OtlpSpan[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParam("Malformed JSON in the OTLP request body.");
  }
  if (!isDict(value)) throw invalidParam("The OTLP request body must be a JSON object with 'resourceSpans'.");
  return spansOfOtlpObject(value, "hex");
}

/** For tests and the benchmark: a protobuf body holding these spans. */
export function encodeOtlpProtobuf(spans: OtlpSpan[]): Uint8Array<ArrayBuffer> {
  const kv = (attrs: Dict) =>
    Object.entries(attrs).map(([key, v]) => ({
      key,
      value:
        typeof v === "string"
          ? { stringValue: v }
          : typeof v === "boolean"
            ? { boolValue: v }
            : typeof v === "number"
              ? { doubleValue: v }
              : { stringValue: JSON.stringify(v) },
    }));
  const b64 = (hex: string) => Buffer.from(hex, "hex");
  const message = ExportRequest.fromObject({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: spans.map((s) => ({
              traceId: b64(s.traceIdHex),
              spanId: b64(s.spanIdHex),
              ...(s.parentSpanIdHex ? { parentSpanId: b64(s.parentSpanIdHex) } : {}),
              name: s.name,
              startTimeUnixNano: s.startNs,
              ...(s.endNs ? { endTimeUnixNano: s.endNs } : {}),
              attributes: kv(s.attributes),
              status: { code: s.statusCode, message: s.statusMessage },
              events: s.events.map((e) => ({ name: e.name, timeUnixNano: e.timeNs, attributes: kv(e.attributes) })),
            })),
          },
        ],
      },
    ],
  });
  return new Uint8Array(ExportRequest.encode(message).finish());
}

const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
/** Attribute values as MLflow keeps them: strings as sent (MLflow's own are JSON already), anything else JSON-encoded. */
const mlflowAttributes = (attrs: Dict): Dict =>
  Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
/** A JSON number, as the client reads it; past 2^53 the last digits round (a few hundred nanoseconds today). */
const nsValue = (ns: string) => Number(ns);

const REQUEST_ID_ATTRIBUTE = "mlflow.traceRequestId";
const SPAN_TYPE_ATTRIBUTE = "mlflow.spanType";

/**
 * A plain OpenTelemetry exporter's attributes made into what MLflow's `Span.from_dict` reads
 * (mlflow/entities/span.py): every value JSON-encoded, the trace's id under `mlflow.traceRequestId` (without it
 * the client fails with "Failed to create a Span object") and a span type, UNKNOWN when none was sent.
 * MLflow's own spans carry the id and keep their attributes as sent.
 */
function spanAttributes(attrs: Dict, traceId: string | undefined): Dict {
  if (typeof attrs[REQUEST_ID_ATTRIBUTE] === "string" || traceId === undefined) return mlflowAttributes(attrs);
  const encoded = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, JSON.stringify(v)]));
  return {
    ...encoded,
    [REQUEST_ID_ATTRIBUTE]: JSON.stringify(traceId),
    [SPAN_TYPE_ATTRIBUTE]: encoded[SPAN_TYPE_ATTRIBUTE] ?? JSON.stringify("UNKNOWN"),
  };
}

/** The span as `Span.to_dict` writes it in traces.json; `traceId`, the MLflow trace it was filed under. */
export function mlflowSpanDict(s: OtlpSpan, traceId?: string): Dict {
  return {
    trace_id: b64(s.traceIdHex),
    span_id: b64(s.spanIdHex),
    trace_state: "",
    parent_span_id: s.parentSpanIdHex ? b64(s.parentSpanIdHex) : "",
    name: s.name,
    start_time_unix_nano: nsValue(s.startNs),
    end_time_unix_nano: s.endNs ? nsValue(s.endNs) : null,
    attributes: spanAttributes(s.attributes, traceId),
    status: { code: STATUS_NAMES[s.statusCode] ?? "STATUS_CODE_UNSET", message: s.statusMessage },
    events: s.events.map((e) => ({ name: e.name, time_unix_nano: nsValue(e.timeNs), attributes: mlflowAttributes(e.attributes) })),
  };
}
