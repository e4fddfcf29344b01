/** Framework-free helpers for the mlflow-artifacts route: where the path starts, and how files leave. */

export const ARTIFACTS_ROUTE_PREFIX = "/api/2.0/mlflow-artifacts/artifacts";

/**
 * The still-encoded path after the route prefix, from the raw request URL (Next's params are already decoded).
 * Cut by hand: `new URL()` would resolve `..` and `%2e%2e` segments away before they could be refused.
 */
export function encodedTailOf(requestUrl: string, prefix = ARTIFACTS_ROUTE_PREFIX): string {
  const afterOrigin = requestUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const pathname = afterOrigin.split(/[?#]/, 1)[0] ?? "";
  if (!pathname.startsWith(prefix)) return "";
  const rest = pathname.slice(prefix.length);
  return rest.startsWith("/") ? rest.slice(1) : rest;
}

/** The request body as chunks, read as the store writes them (never collected in memory). */
export async function* bodyChunks(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  json: "application/json",
  csv: "text/csv; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/plain; charset=utf-8",
  yaml: "text/plain; charset=utf-8",
  yml: "text/plain; charset=utf-8",
  log: "text/plain; charset=utf-8",
};

/**
 * The download headers. Artifacts are user content on the portal's origin, so nothing is served as
 * HTML or SVG, the browser may not sniff, and a sandbox CSP disarms anything opened directly.
 */
export function downloadHeaders(name: string, size: number): Headers {
  const ext = name.includes(".") ? (name.split(".").pop() ?? "").toLowerCase() : "";
  const headers = new Headers({
    "content-type": TYPES[ext] ?? (name === "MLmodel" ? "text/plain; charset=utf-8" : "application/octet-stream"),
    "content-length": String(size),
    "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox",
    "cache-control": "private, no-cache",
  });
  return headers;
}
