/**
 * An OTLP protobuf export body read straight into spans (the messages and field numbers of otlp.ts's OTLP_PROTO;
 * any other field skipped). protobufjs's generic decode and toObject cost ~100 µs a span, most of the portal's
 * CPU for an export; this reader gives the same spans (otlp.test.ts compares them) in a few. As protobufjs does,
 * a known field is read as its declared type whatever its wire type says.
 */
import protobuf from "protobufjs";

type Dict = Record<string, unknown>;
type Reader = protobuf.Reader;

/** A span as it is on the wire: ids still bytes, checked by the caller (otlp.ts). */
export interface WireSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name: string;
  startNs: string;
  endNs: string;
  attributes: Dict;
  statusCode: number;
  statusMessage: string;
  events: { name: string; timeNs: string; attributes: Dict }[];
}

const MAX_NESTING = 100;

/** Limits the reader to the length-delimited message that starts here; runs `body` over it; restores the limit. */
function message(r: Reader, depth: number, body: (field: number, wire: number) => void): void {
  if (depth > MAX_NESTING) throw new RangeError("maximum nesting depth exceeded");
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new RangeError("index out of range");
  const outer = r.len;
  r.len = end;
  while (r.pos < end) {
    const tag = r.uint32();
    body(tag >>> 3, tag & 7);
  }
  r.len = outer;
}

/** fixed64 as an unsigned decimal string (nanoseconds since 1970 pass 2^53). */
function fixed64(r: Reader): string {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi === 0 ? String(lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** AnyValue → plain JSON, the first set member in otlp.ts `anyValue`'s order. */
function anyValue(r: Reader, depth: number): unknown {
  const set: unknown[] = [];
  message(r, depth, (field, wire) => {
    switch (field) {
      case 1:
        set[0] = r.string();
        break;
      case 2:
        set[1] = r.bool();
        break;
      case 3:
        set[2] = Number(String(r.int64()));
        break;
      case 4:
        set[3] = r.double();
        break;
      case 5: {
        const values: unknown[] = [];
        message(r, depth + 1, (f, w) => (f === 1 ? values.push(anyValue(r, depth + 2)) : r.skipType(w)));
        set[4] = values;
        break;
      }
      case 6: {
        const values: Dict = {};
        message(r, depth + 1, (f, w) => (f === 1 ? keyValue(r, depth + 2, values) : r.skipType(w)));
        set[5] = values;
        break;
      }
      case 7:
        set[6] = Buffer.from(r.bytes()).toString("base64");
        break;
      default:
        r.skipType(wire);
    }
  });
  for (let i = 0; i < 7; i++) if (i in set) return set[i];
  return null;
}

/** A KeyValue into `into`; one without a key is dropped. */
function keyValue(r: Reader, depth: number, into: Dict): void {
  let key: string | undefined;
  let value: unknown = null;
  message(r, depth, (field, wire) => {
    if (field === 1) key = r.string();
    else if (field === 2) value = anyValue(r, depth + 1);
    else r.skipType(wire);
  });
  if (key !== undefined) into[key] = value;
}

function event(r: Reader): WireSpan["events"][number] {
  const out = { name: "", timeNs: "0", attributes: {} as Dict };
  message(r, 5, (field, wire) => {
    if (field === 1) out.timeNs = fixed64(r);
    else if (field === 2) out.name = r.string();
    else if (field === 3) keyValue(r, 6, out.attributes);
    else r.skipType(wire);
  });
  return out;
}

function span(r: Reader): WireSpan {
  const s: WireSpan = { name: "", startNs: "0", endNs: "0", attributes: {}, statusCode: 0, statusMessage: "", events: [] };
  message(r, 4, (field, wire) => {
    switch (field) {
      case 1:
        s.traceId = r.bytes();
        break;
      case 2:
        s.spanId = r.bytes();
        break;
      case 3:
        r.string(); // trace_state
        break;
      case 4:
        s.parentSpanId = r.bytes();
        break;
      case 5:
        s.name = r.string();
        break;
      case 6:
        r.int32(); // kind
        break;
      case 7:
        s.startNs = fixed64(r);
        break;
      case 8:
        s.endNs = fixed64(r);
        break;
      case 9:
        keyValue(r, 5, s.attributes);
        break;
      case 11:
        s.events.push(event(r));
        break;
      case 15:
        s.statusCode = 0;
        s.statusMessage = "";
        message(r, 5, (f, w) => {
          if (f === 2) s.statusMessage = r.string();
          else if (f === 3) s.statusCode = r.int32();
          else r.skipType(w);
        });
        break;
      default:
        r.skipType(wire);
    }
  });
  return s;
}

/** Every span of an ExportTraceServiceRequest; throws (RangeError, Error) on bytes that are not one. */
export function readOtlpSpans(body: Uint8Array): WireSpan[] {
  // A Buffer gets protobufjs's BufferReader, whose strings are decoded natively.
  const r = protobuf.Reader.create(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  const out: WireSpan[] = [];
  const skip = (field: number, wire: number) => r.skipType(wire);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1) {
      r.skipType(tag & 7);
      continue;
    }
    // ResourceSpans { resource = 1, scope_spans = 2 { spans = 2 } }
    message(r, 1, (field, wire) => {
      if (field === 1)
        message(r, 2, (f, w) => (f === 1 ? keyValue(r, 3, {}) : skip(f, w))); // resource, unused
      else if (field === 2) message(r, 2, (f, w) => (f === 2 ? out.push(span(r)) : skip(f, w)));
      else skip(field, wire);
    });
  }
  return out;
}
