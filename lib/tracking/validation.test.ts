import { describe, expect, it } from "vitest";
import { TrackingError } from "./errors";
import { validateBatchLimits, validateKey } from "./validation";
import { z } from "zod";
import { wireDouble } from "./entities";
import { int64, oneOf, parseInput, readDouble } from "./http/fields";
import { readFields } from "./http/read-request";
import { decodePageToken, encodePageToken } from "./search/page-token";

const optInt = (fields: Record<string, unknown>, name: string) => parseInput(z.object({ [name]: int64() }), fields)[name];
const optEnum = <T extends string>(fields: Record<string, unknown>, name: string, values: readonly T[]) =>
  parseInput(z.object({ [name]: oneOf(values) }), fields)[name];
const toDouble = (v: unknown) => {
  const n = readDouble(v);
  if (n === undefined) throw new TrackingError("INVALID_PARAMETER_VALUE", `Invalid value ${JSON.stringify(v)}: expected a number.`);
  return n;
};

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof TrackingError ? err.code : "other";
  }
};

describe("validateKey", () => {
  it.each(["acc", "a/b", "a.b-c d:e", "x_1", "a..b"])("accepts %j", (key) => {
    expect(code(() => validateKey(key, "metric"))).toBeUndefined();
  });
  it.each(["bad//name", "a!b", "a/./b", "trailing/", "/lead", "..", "../x", ".", "x".repeat(251)])("rejects %j", (key) => {
    expect(code(() => validateKey(key, "metric"))).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("wire coercions", () => {
  it("encodes page tokens as MLflow does", () => {
    expect(encodePageToken(1)).toBe("eyJvZmZzZXQiOiAxfQ==");
    expect(encodePageToken(100)).toBe("eyJvZmZzZXQiOiAxMDB9");
    expect(decodePageToken("eyJvZmZzZXQiOiAxMDB9")).toBe(100);
    expect(decodePageToken(undefined)).toBe(0);
    expect(code(() => decodePageToken("eyJvZmZzZXQiOiAtMX0="))).toBe("INVALID_PARAMETER_VALUE"); // {"offset":-1}
  });
  it("reads int64 as numbers or numeric strings and enums by name or number", () => {
    expect(optInt({ t: "1700000000000" }, "t")).toBe(1700000000000);
    expect(optInt({ t: 5 }, "t")).toBe(5);
    expect(code(() => optInt({ t: "1.5" }, "t"))).toBe("INVALID_PARAMETER_VALUE");
    expect(optEnum({ v: 3 }, "v", ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"])).toBe("ALL");
    expect(optEnum({ v: "2" }, "v", ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"])).toBe("DELETED_ONLY");
    expect(code(() => optEnum({ v: 9 }, "v", ["ACTIVE_ONLY"]))).toBe("INVALID_PARAMETER_VALUE");
  });
  it("round-trips NaN and infinities as strings", () => {
    expect(toDouble("NaN")).toBeNaN();
    expect(toDouble("-Infinity")).toBe(-Infinity);
    expect(toDouble("0.25")).toBe(0.25);
    expect(code(() => toDouble("abc"))).toBe("INVALID_PARAMETER_VALUE");
    expect([NaN, Infinity, -Infinity, 1.5].map(wireDouble)).toEqual(["NaN", "Infinity", "-Infinity", 1.5]);
  });
  it("reads repeated query keys as lists and falls back to {} for an empty GET", async () => {
    const f = await readFields(
      new Request("http://x/api/2.0/mlflow/runs/search?order_by=a&order_by=b&filter=x"),
      (name) => name === "order_by",
    );
    expect(f).toEqual({ order_by: ["a", "b"], filter: "x" });
    expect(await readFields(new Request("http://x/api/2.0/mlflow/experiments/get"))).toEqual({});
  });
  const post = (body: string) =>
    new Request("http://x/api/2.0/mlflow/runs/log-batch", { method: "POST", body, headers: { "content-type": "application/json" } });
  it("caps the body at 2 MiB counted in bytes, as a 413 in MLflow's format", async () => {
    // 1.1 M two-byte characters: under 2 Mi characters, over 2 MiB.
    const err = await readFields(post(JSON.stringify({ run_id: "é".repeat(1_100_000) }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrackingError);
    expect([(err as TrackingError).status, (err as TrackingError).code]).toEqual([413, "REQUEST_LIMIT_EXCEEDED"]);
    expect(await readFields(post(JSON.stringify({ run_id: "é".repeat(1_000_000) })))).toEqual({ run_id: "é".repeat(1_000_000) });
  });
  it("refuses NUL in body and query fields", async () => {
    expect(await readFields(post('{"tags":[{"key":"a\\u0000"}]}')).catch((e: unknown) => (e as TrackingError).message)).toBe(
      '"tags.0.key" contains a NUL character (\\u0000), which text may not contain.',
    );
    expect(
      await readFields(new Request("http://x/api/2.0/mlflow/runs/get?run_id=a%00")).catch((e: unknown) => (e as TrackingError).code),
    ).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("validateBatchLimits", () => {
  it("allows the maximum and rejects one more", () => {
    expect(code(() => validateBatchLimits(1000, 0, 0))).toBeUndefined();
    expect(code(() => validateBatchLimits(0, 100, 100))).toBeUndefined();
    expect(code(() => validateBatchLimits(1001, 0, 0))).toBe("INVALID_PARAMETER_VALUE");
    expect(code(() => validateBatchLimits(900, 100, 1))).toBe("INVALID_PARAMETER_VALUE");
  });
});
