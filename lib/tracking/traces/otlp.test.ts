import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ExportRequest, decodeOtlpProtobuf, encodeOtlpProtobuf, spansOfOtlpObject, type OtlpSpan } from "./otlp";

/** protobufjs's generic decode and toObject, what decodeOtlpProtobuf used before its own reader. */
function reference(body: Uint8Array): OtlpSpan[] {
  // A Buffer, as the route hands over (protobufjs then decodes text as Node does, invalid UTF-8 included).
  const obj = ExportRequest.toObject(ExportRequest.decode(Buffer.from(body)), {
    longs: String,
    bytes: String,
    defaults: false,
    oneofs: false,
  });
  return spansOfOtlpObject(obj, "base64");
}

const hex = (n: number) => randomBytes(n).toString("hex");

function spans(): OtlpSpan[] {
  const trace = hex(16);
  const root = hex(8);
  return [
    {
      traceIdHex: trace,
      spanIdHex: root,
      name: "agent ✓",
      startNs: "1748779200100000123",
      endNs: "18446744073709551615",
      attributes: {
        "mlflow.traceRequestId": JSON.stringify(`tr-${trace}`),
        "mlflow.spanInputs": '{"q":"x"}',
        flag: true,
        n: 1.5,
        empty: "",
      },
      statusCode: 2,
      statusMessage: "boom",
      events: [{ name: "exception", timeNs: "1748779200100000999", attributes: { "exception.message": "bad", count: 3 } }],
    },
    {
      traceIdHex: trace,
      spanIdHex: hex(8),
      parentSpanIdHex: root,
      name: "",
      startNs: "7",
      attributes: {},
      statusCode: 0,
      statusMessage: "",
      events: [],
    },
  ];
}

/** A body with every AnyValue kind (int64, bytes, arrays, nested key-value lists), a resource and a scope. */
function richBody(): Uint8Array {
  const message = ExportRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16),
                spanId: randomBytes(8),
                name: "rich",
                kind: 3,
                traceState: "a=b",
                startTimeUnixNano: "1",
                attributes: [
                  { key: "i", value: { intValue: "-9007199254740993" } },
                  { key: "b", value: { bytesValue: Buffer.from("hi") } },
                  { key: "arr", value: { arrayValue: { values: [{ stringValue: "x" }, { doubleValue: 2 }, {}] } } },
                  {
                    key: "kv",
                    value: { kvlistValue: { values: [{ key: "k", value: { boolValue: false } }, { value: { stringValue: "nokey" } }] } },
                  },
                  { key: "none", value: {} },
                  { key: "unset" },
                ],
                status: { code: 1 },
              },
            ],
          },
        ],
      },
    ],
  });
  return ExportRequest.encode(message).finish();
}

describe("decodeOtlpProtobuf", () => {
  it("reads the spans protobufjs's generic decoder reads, every field and value kind", () => {
    for (const body of [encodeOtlpProtobuf(spans()), richBody(), new Uint8Array(0)]) {
      expect(decodeOtlpProtobuf(body)).toEqual(reference(body));
    }
    const [rich] = decodeOtlpProtobuf(richBody());
    expect(rich?.attributes).toEqual({
      i: -9007199254740992,
      b: Buffer.from("hi").toString("base64"),
      arr: ["x", 2, null],
      kv: { k: false },
      none: null,
      unset: null,
    });
    expect(decodeOtlpProtobuf(encodeOtlpProtobuf(spans()))[0]?.endNs).toBe("18446744073709551615");
  });

  it("on damaged bodies, takes what the generic decoder takes and reads it the same, and refuses with MLflow's sentence", () => {
    const good = [encodeOtlpProtobuf(spans()), richBody()];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 400; i++) {
      const body = Uint8Array.from(good[i % 2] as Uint8Array);
      const cut = i % 3 === 0 ? body.subarray(0, rand(body.length)) : body;
      for (let j = 0; j < 1 + (i % 4); j++) cut[rand(cut.length)] = rand(256);
      let expected: OtlpSpan[] | undefined;
      try {
        expected = reference(cut);
      } catch {
        expected = undefined;
      }
      let got: OtlpSpan[] | Error;
      try {
        got = decodeOtlpProtobuf(cut);
      } catch (err) {
        got = err as Error;
      }
      if (expected !== undefined) expect(got).toEqual(expected);
      else if (got instanceof Error) expect(got.message).toMatch(/^(Invalid OpenTelemetry protobuf format\.|Invalid OTLP span: )/);
    }
  });
});
