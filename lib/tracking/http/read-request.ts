/**
 * Reading MLflow requests: JSON bodies for POST/PATCH/DELETE, query strings for GET (docs/mlflow-rest.md §0).
 * A query key the operation's schema takes as a list keeps every repetition; any other keeps its last value.
 * JSON nulls mean unset, as in protobuf.
 */
import { BodyTooLarge, readBodyText } from "@/lib/http/body";
import { describeInputProblem, findInputProblemInJson, findNulInPairs, type InputProblem } from "@/lib/http/input-guard";
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

/** Drops null members of objects, at any depth (a null inside a list stays, and is refused as a wrong type). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) if (child !== null) out[k] = withoutNulls(child);
  return out;
}

function queryFields(url: URL, isList: (name: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = [...url.searchParams.entries()];
  assertClean(findNulInPairs(entries));
  for (const [k, v] of entries) {
    const prev = out[k];
    if (!isList(k) || prev === undefined) out[k] = isList(k) ? [v] : v;
    else if (Array.isArray(prev)) prev.push(v);
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
  assertClean(findInputProblemInJson(text, value));
  // Most bodies have no null at all; the rebuild is skipped for them ("null" inside a string only costs the rebuild).
  return (text.includes("null") ? withoutNulls(value) : value) as Record<string, unknown>;
}

/** The request's fields: the query string for GET (a JSON body if there is none), else the JSON body. */
export async function readFields(req: Request, isList: (name: string) => boolean = () => false): Promise<Fields> {
  const method = req.method.toUpperCase();
  if (method === "GET") {
    const q = queryFields(new URL(req.url), isList);
    if (Object.keys(q).length > 0) return q;
    return bodyFields(req, false).catch(() => ({}));
  }
  return bodyFields(req, method === "POST" || method === "PUT");
}
