/**
 * Zod field types for MLflow requests, with the coercions docs/mlflow-rest.md §0 asks for: a GET's query
 * string and a POST's JSON decode to the same typed input (int64 as a number or numeric string, enums by
 * name or proto number, doubles with "NaN"/"Infinity"/"-Infinity", booleans also as "true"/"false").
 * Text fields take strings only: `{"name": 123}` is refused, not stored as "123". Every refusal becomes one
 * MLflow 400 INVALID_PARAMETER_VALUE naming the field by its path (`metrics[0].timestamp`).
 */
import { z } from "zod";
import { TrackingError, invalidParam } from "../errors";

/** The message of an issue for an absent required field; `describeIssue` turns it into MLflow's sentence. */
const MISSING = "missing";
const BAD = Symbol("bad");

interface Decoder<T> {
  /** How a refusal says what was wanted: "expected an integer". */
  expected: string;
  decode: (v: unknown) => T | typeof BAD;
}

const TEXT: Decoder<string> = { expected: "a string", decode: (v) => (typeof v === "string" ? v : BAD) };

const INT64: Decoder<number> = {
  expected: "an integer",
  decode: (v) => {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) ? n : BAD;
  },
};

const DOUBLE: Decoder<number> = {
  expected: "a number",
  decode: (v) => {
    if (typeof v === "number") return v;
    if (typeof v !== "string") return BAD;
    const s = v.trim();
    if (s === "NaN" || s === "nan") return NaN;
    if (s === "Infinity" || s === "inf" || s === "+Infinity") return Infinity;
    if (s === "-Infinity" || s === "-inf") return -Infinity;
    return s !== "" && Number.isFinite(Number(s)) ? Number(s) : BAD;
  },
};

const BOOL: Decoder<boolean> = {
  expected: "true or false",
  decode: (v) => (typeof v === "boolean" ? v : v === "true" || v === "True" ? true : v === "false" || v === "False" ? false : BAD),
};

/** An enum by name or by its proto number (numbered from `firstNumber`). */
function enumDecoder<T extends string>(values: readonly T[], firstNumber: number): Decoder<T> {
  return {
    expected: `one of ${values.join(", ")}`,
    decode: (v) => {
      if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
      const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
      return (Number.isInteger(n) ? values[n - firstNumber] : undefined) ?? BAD;
    },
  };
}

/** Unset: absent, or (as protobuf reads it) an empty string for a non-text field. */
const unset = (v: unknown, text: boolean) => v === undefined || (!text && v === "");

const refuse = (ctx: z.core.$RefinementCtx, d: Decoder<unknown>, input: unknown) =>
  ctx.addIssue({ code: "custom", params: { expected: d.expected }, input });

function optionalField<T>(d: Decoder<T>) {
  const decode = (v: unknown, ctx: z.core.$RefinementCtx): T | undefined => {
    const out = unset(v, d === TEXT) ? undefined : d.decode(v);
    return out !== BAD ? out : (refuse(ctx, d, v), z.NEVER);
  };
  return z.unknown().transform(decode).optional();
}

/** Absent or empty is MLflow's "Missing value for required parameter". */
function requiredField<T>(d: Decoder<T>) {
  return z.unknown().transform((v, ctx): T => {
    if (v === undefined || v === "") return (ctx.addIssue({ code: "custom", message: MISSING }), z.NEVER);
    const out = d.decode(v);
    return out !== BAD ? out : (refuse(ctx, d, v), z.NEVER);
  });
}

export const text = () => optionalField(TEXT);
export const requiredText = () => requiredField(TEXT);
export const int64 = () => optionalField(INT64);
export const requiredInt64 = () => requiredField(INT64);
/** A metric value, or undefined when it is not a double. */
export const readDouble = (v: unknown): number | undefined => {
  const n = DOUBLE.decode(v);
  return n === BAD ? undefined : n;
};
export const bool = () => optionalField(BOOL);
export const oneOf = <T extends string>(values: readonly T[], firstNumber = 1) => optionalField(enumDecoder(values, firstNumber));

/** A registry version: a string on the wire, a number from older callers. */
export const requiredVersion = () =>
  requiredField<string>({ expected: "a string", decode: (v) => (typeof v === "string" || typeof v === "number" ? String(v) : BAD) });

/** The issue for an absent required field at `path`, for object-level checks. */
export const missingAt = (path: string): z.core.$ZodRawIssue => ({ code: "custom", message: MISSING, path: [path], input: undefined });

export const missingParam = (name: string) =>
  invalidParam(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);

const LISTS = new WeakSet<z.ZodType>();

/**
 * A repeated field: a JSON array, or from a query string one value or repeated keys. Absent is empty.
 * `isList` tells the query reader which fields keep every repeated key.
 */
export function list<S extends z.ZodType>(item: S) {
  const schema = z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(item)).default([]);
  LISTS.add(schema);
  return schema;
}

export const isList = (schema: z.ZodType | undefined): boolean => schema !== undefined && LISTS.has(schema);

/**
 * A field under one of MLflow's own rules (lib/tracking/validation.ts): `convert` returns the value to use,
 * or throws a TrackingError whose sentence is kept as the refusal.
 */
export function convert<S extends z.ZodType, T>(schema: S, fn: (value: z.output<S>) => T) {
  return schema.transform((value, ctx): T => {
    try {
      return fn(value);
    } catch (err) {
      if (!(err instanceof TrackingError)) throw err;
      ctx.addIssue({ code: "custom", message: err.message });
      return z.NEVER;
    }
  });
}

/** A field under a rule that only checks (`check` throws a TrackingError). */
export const rule = <S extends z.ZodType>(schema: S, check: (value: z.output<S>) => void) =>
  convert(schema, (v: z.output<S>) => {
    check(v);
    return v;
  });

/** `metrics[0].timestamp`, as MLflow names nested fields. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

/** One MLflow sentence for the first thing wrong with the input. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const name = fieldName(issue.path);
  if (issue.message === MISSING || (issue.code === "invalid_type" && issue.input === undefined)) {
    return missingParam(name).message;
  }
  const params = issue.code === "custom" ? (issue.params as { expected?: string } | undefined) : undefined;
  const expected = issue.code === "invalid_type" ? (EXPECTED[issue.expected] ?? `a ${issue.expected}`) : params?.expected;
  if (expected === undefined) return issue.message;
  return `Invalid value ${shown(issue.input)} for parameter '${name}' supplied: expected ${expected}.`;
}

const FAST_PATHS = new WeakMap<z.ZodType, (fields: Record<string, unknown>) => unknown>();

/**
 * `schema` with a hand-written reader for the common, valid shape of a large input (log-batch's 1,000 points,
 * where zod costs microseconds a point). `fast` returns exactly what the schema would, or undefined for
 * anything it does not take on, which the schema then reads: every refusal is still the schema's sentence.
 */
export function withFastPath<S extends z.ZodType>(schema: S, fast: (fields: Record<string, unknown>) => z.output<S> | undefined): S {
  FAST_PATHS.set(schema, fast);
  return schema;
}

/** The typed input, or a 400 INVALID_PARAMETER_VALUE naming the first wrong field. */
export function parseInput<S extends z.ZodType>(schema: S, fields: unknown): z.output<S> {
  const fast = FAST_PATHS.get(schema);
  const quick = fast && typeof fields === "object" && fields !== null ? fast(fields as Record<string, unknown>) : undefined;
  if (quick !== undefined) return quick as z.output<S>;
  const result = schema.safeParse(fields, { reportInput: true });
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw invalidParam(first ? describeIssue(first) : "The request is invalid.");
}
