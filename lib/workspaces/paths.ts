/**
 * Which workspace a request is for: `/user/<name>/<server>/...` (docs/architecture.md §3).
 * The two names are matched literally (no percent-decoding, lower case only), so `%2F`, upper case
 * and `..` can never select another person's workspace. The rest of the path is refused when it
 * holds a dot segment, raw or encoded: the proxy's URL handling would resolve it, and a path that
 * means something else after normalisation is not worth forwarding.
 */

/** One workspace: its owner's name and its server name. */
export interface ServerRef {
  user: string;
  server: string;
}

const WORKSPACE_PREFIX = "/user/";

const PATH_RE = /^\/user\/([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9-]*)(\/.*)?$/;

/** Whether a request path is in the workspace space at all (server.ts routes on this). */
export function isWorkspacePath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(WORKSPACE_PREFIX);
}

function hasDotSegment(rest: string): boolean {
  // Without a dot or an escape no segment can be one (most API calls): skip the decoding.
  if (!rest.includes(".") && !rest.includes("%")) return false;
  for (const segment of rest.split("/")) {
    if (segment === "") continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true; // malformed escapes: refuse rather than guess
    }
    // URL parsers treat "\" like "/" in http URLs, and an encoded slash could split a segment.
    for (const part of decoded.split(/[\\/]/)) {
      if (part === "." || part === "..") return true;
    }
  }
  return false;
}

/** The owner and server of a workspace URL (path and query), or null when it is not one. */
export function parseWorkspacePath(url: string): ServerRef | null {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const m = PATH_RE.exec(path);
  if (!m) return null;
  const [, user, server, rest] = m;
  if (user === undefined || server === undefined) return null;
  if (rest !== undefined && (rest.includes("\\") || hasDotSegment(rest))) return null;
  return { user, server };
}

/** `/user/a/b` (no trailing slash): Jupyter serves under `/user/a/b/`, so browsers are sent there. */
export function missingTrailingSlash(url: string, ref: ServerRef): boolean {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  return path === `${WORKSPACE_PREFIX}${ref.user}/${ref.server}`;
}

/** The same URL with the slash added after the server name (query kept). */
export function withTrailingSlash(url: string, ref: ServerRef): string {
  const base = `${WORKSPACE_PREFIX}${ref.user}/${ref.server}`;
  return `${base}/${url.slice(base.length)}`;
}
