/**
 * The browser's side of the MLflow REST API: calls /ajax-api/2.0/mlflow/<path> with the session cookie and
 * turns `{ error_code, message }` into an MlflowError the pages can show (and branch on, e.g. a missing endpoint).
 */
import type { WireExperiment, WireMetric, WireRun } from "@atrium/core/lib/tracking/entities";
import type { WireModelVersion, WireRegisteredModel } from "@atrium/core/lib/tracking/registry/entities";

// The wire shapes are the server's own (written once there); type imports leave no server code in the bundle.
export type { WireExperiment, WireMetric, WireModelVersion, WireRegisteredModel, WireRun };

const BASE = "/ajax-api/2.0/mlflow/";

export class MlflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "MlflowError";
  }
}

type Query = Record<string, string | number | readonly (string | number)[] | undefined>;

function queryString(q: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

async function call<T>(method: string, path: string, body?: unknown, query?: Query, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${BASE}${path}${query ? queryString(query) : ""}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  if (!res.ok) {
    const err = parsed as { error_code?: string; error?: string; message?: string };
    throw new MlflowError(err.error_code ?? err.error ?? "UNKNOWN", err.message ?? `The server answered ${res.status}.`, res.status);
  }
  return parsed as T;
}

export const mlflowGet = <T>(path: string, query: Query) => call<T>("GET", path, undefined, query);
/** `headers`: e.g. MLflow's `X-MLFLOW-WORKSPACE`, the project a create puts its experiment or model in (docs/projects.md). */
export const mlflowPost = <T>(path: string, body: unknown, headers?: Record<string, string>) =>
  call<T>("POST", path, body, undefined, headers);
export const mlflowPatch = <T>(path: string, body: unknown) => call<T>("PATCH", path, body);
export const mlflowDelete = <T>(path: string, body: unknown) => call<T>("DELETE", path, body);

/** A double from the wire: NaN and infinities arrive as strings. */
export function wireNumber(v: number | string): number {
  if (typeof v === "number") return v;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return v === "NaN" ? NaN : Number(v);
}
