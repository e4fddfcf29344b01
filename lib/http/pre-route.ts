/**
 * Requests refused before Next sees them, because Next itself answers them with a plain-text 500 before
 * any route handler (and so withUser's error handling) runs: TRACE, and a path with a malformed `%`
 * escape (Next decodes dynamic segments with decodeURIComponent and does not catch the URIError).
 * Also a NUL (`%00`) anywhere in the path or query: pages pass search parameters to SQL themselves, and
 * Postgres refuses NUL in text (22021, a 500). Route handlers check their input again where they parse
 * it (lib/http/parse.ts, lib/tracking/http/fields.ts), naming the field; this is the net for pages.
 * Framework-free: server.ts calls it for everything it hands to Next.
 */

export interface EarlyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Methods that echo or trace and that no route implements; Node's parser refuses unknown ones itself. */
const REFUSED_METHODS = new Set(["TRACE", "TRACK"]);

// The MLflow REST API and Databricks' serving-endpoints API (docs/serving.md); the artifact routes (mlflow-artifacts)
// answer in the portal's format, as their handlers do.
const MLFLOW_PATH = /^\/(?:(?:api|ajax-api)\/2\.0\/mlflow|api\/2\.0\/serving-endpoints)(?:\/|$)/;
const SERVING_SLASH = /^(\/api\/2\.0\/serving-endpoints(?:\/[^/?#]+)*)\/(?=$|[?#])/;

/**
 * MLflow's Databricks deployment client joins its paths with `posixpath.join(prefix, "serving-endpoints", route or "")`,
 * so it creates and lists at `/api/2.0/serving-endpoints/`. Next would answer that with a 308 redirect; this is the
 * same URL without the trailing slash (the query kept), which Next routes to the handler.
 */
export function withoutServingSlash(rawUrl: string | undefined): string | undefined {
  return rawUrl?.replace(SERVING_SLASH, "$1");
}

function answer(
  status: number,
  path: string,
  code: { portal: string; mlflow: string },
  message: string,
  extra: Record<string, string> = {},
): EarlyAnswer {
  // MLflow routes answer in MLflow's format, so its clients show the message.
  const body = MLFLOW_PATH.test(path) ? { error_code: code.mlflow, message } : { error: code.portal, message };
  return { status, headers: { "content-type": "application/json", ...extra }, body: JSON.stringify(body) };
}

function hasMalformedEscape(pathname: string): boolean {
  for (const segment of pathname.split("/")) {
    if (!segment.includes("%")) continue;
    try {
      decodeURIComponent(segment);
    } catch {
      return true;
    }
  }
  return false;
}

/** Where the URL holds a NUL, if anywhere. */
function nulIn(pathname: string, query: string): "path" | "query" | undefined {
  if (!pathname.includes("%00") && !query.includes("%00") && !query.includes("\u0000")) return undefined;
  if (pathname.split("/").some((s) => decodeURIComponent(s).includes("\u0000"))) return "path";
  for (const [k, v] of new URLSearchParams(query)) if (k.includes("\u0000") || v.includes("\u0000")) return "query";
  return undefined;
}

/** The answer for a request Next cannot be trusted with, or undefined to hand it on. */
export function earlyAnswer(method: string | undefined, rawUrl: string | undefined): EarlyAnswer | undefined {
  const url = rawUrl ?? "/";
  const pathname = url.split(/[?#]/, 1)[0] ?? "/";
  if (method && REFUSED_METHODS.has(method.toUpperCase())) {
    return answer(
      405,
      pathname,
      { portal: "method_not_allowed", mlflow: "BAD_REQUEST" },
      `The ${method.toUpperCase()} method is not allowed here.`,
      {
        allow: "GET, HEAD, POST, PUT, PATCH, DELETE",
      },
    );
  }
  if (hasMalformedEscape(pathname)) {
    return answer(
      400,
      pathname,
      { portal: "invalid_path", mlflow: "INVALID_PARAMETER_VALUE" },
      "The request path has a malformed percent-escape (a '%' not followed by two hex digits of valid UTF-8).",
    );
  }
  const query = url.includes("?") ? (url.slice(url.indexOf("?") + 1).split("#", 1)[0] ?? "") : "";
  const nul = nulIn(pathname, query);
  if (nul) {
    return answer(
      400,
      pathname,
      { portal: nul === "path" ? "invalid_path" : "invalid_request", mlflow: "INVALID_PARAMETER_VALUE" },
      "The request URL contains a NUL character (%00), which text may not contain.",
    );
  }
  return undefined;
}
