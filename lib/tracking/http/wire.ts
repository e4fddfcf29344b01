/**
 * Reading MLflow requests: JSON bodies for POST, query strings for GET (repeated keys become lists),
 * with the coercions the contract asks for (int64 as number or numeric string, enums by name or number,
 * doubles with "NaN"/"Infinity"/"-Infinity").
 */
import { BodyTooLarge, readBodyText } from "@/lib/http/body";
import { describeInputProblem, findInputProblem, findNulInPairs, type InputProblem } from "@/lib/http/input-guard";
import { invalidParam, TrackingError } from "../errors";

export type Fields = Readonly<Record<string, unknown>>;

/** MLflow bodies carry batches (log-batch: 1000 metrics, 100 params, 100 tags); 2 MiB holds the largest. */
export const MAX_TRACKING_BODY_BYTES = 2 * 1024 * 1024;

function assertClean(problem: InputProblem | undefined): void {
  if (problem) throw invalidParam(describeInputProblem(problem));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function queryFields(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = [...url.searchParams.entries()];
  assertClean(findNulInPairs(entries));
  for (const [k, v] of entries) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

async function bodyFields(req: Request, requireJsonType: boolean): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type");
  if (requireJsonType && !type) throw invalidParam("Bad Request. Content-Type header is missing.");
  if (requireJsonType && type && !type.toLowerCase().includes("json")) {
    throw invalidParam(`Bad Request. Content-Type must be application/json, got '${type}'.`);
  }
  let text: string;
  try {
    text = await readBodyText(req, MAX_TRACKING_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new TrackingError("REQUEST_LIMIT_EXCEEDED", err.message);
    throw err;
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParam("Malformed JSON in the request body.");
  }
  if (!isRecord(value)) throw invalidParam("The request body must be a JSON object.");
  assertClean(findInputProblem(value));
  return value;
}

/** The request's fields: the query string for GET (a JSON body if there is none), else the JSON body. */
export async function readFields(req: Request): Promise<Fields> {
  const method = req.method.toUpperCase();
  if (method === "GET") {
    const q = queryFields(new URL(req.url));
    if (Object.keys(q).length > 0) return q;
    return bodyFields(req, false).catch(() => ({}));
  }
  return bodyFields(req, method === "POST" || method === "PUT");
}

const missing = (name: string) =>
  invalidParam(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);

function scalar(fields: Fields, name: string): unknown {
  const v = fields[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function optString(fields: Fields, name: string): string | undefined {
  const v = scalar(fields, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a string.`);
}

export function reqString(fields: Fields, name: string): string {
  const v = optString(fields, name);
  if (v === undefined || v === "") throw missing(name);
  return v;
}

/** run_id, falling back to the deprecated run_uuid (the client sends both). */
export function reqRunId(fields: Fields): string {
  const id = optString(fields, "run_id") || optString(fields, "run_uuid");
  if (!id) throw missing("run_id");
  return id;
}

/** An int64 sent as a JSON number or a numeric string. */
export function optInt(fields: Fields, name: string): number | undefined {
  const v = scalar(fields, name);
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected an integer.`);
  }
  return n;
}

export function reqInt(fields: Fields, name: string): number {
  const n = optInt(fields, name);
  if (n === undefined) throw missing(name);
  return n;
}

export function optBool(fields: Fields, name: string): boolean | undefined {
  const v = scalar(fields, name);
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "True") return true;
  if (v === "false" || v === "False") return false;
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected true or false.`);
}

/** A double: a JSON number, a numeric string, or "NaN", "Infinity", "-Infinity". Booleans are refused. */
export function toDouble(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "NaN" || s === "nan") return NaN;
    if (s === "Infinity" || s === "inf" || s === "+Infinity") return Infinity;
    if (s === "-Infinity" || s === "-inf") return -Infinity;
    if (s !== "" && Number.isFinite(Number(s))) return Number(s);
  }
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a number.`);
}

/** A repeated field: a JSON array, one query value, or repeated query keys. */
export function optList(fields: Fields, name: string): unknown[] {
  const v = fields[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function optStringList(fields: Fields, name: string): string[] {
  return optList(fields, name).map((v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number") return String(v);
    throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a list of strings.`);
  });
}

/** A list of objects (metrics, params, tags in log-batch and runs/create). */
export function optObjectList(fields: Fields, name: string): Fields[] {
  return optList(fields, name).map((v) => {
    if (!isRecord(v)) throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a list of objects.`);
    return v;
  });
}

/** An enum sent by name or by its proto number. */
export function optEnum<T extends string>(fields: Fields, name: string, values: readonly T[], firstNumber = 1): T | undefined {
  const v = scalar(fields, name);
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  const byNumber = Number.isInteger(n) ? values[n - firstNumber] : undefined;
  if (byNumber !== undefined) return byNumber;
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected one of ${values.join(", ")}.`);
}

/** MLflow's page token: base64 of `{"offset": N}` (with Python's spacing, so tokens match MLflow's). */
export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`).toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalidParam(`Invalid page token, could not base64-decode and parse it: ${token}`);
  }
  const offset = isRecord(parsed) ? parsed.offset : undefined;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidParam(`Invalid page token, it has no valid offset: ${token}`);
  }
  return offset;
}

/** A double on the wire: NaN and ±Infinity as strings. */
export function wireDouble(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}
