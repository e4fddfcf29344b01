/**
 * Cross-site request forgery, including from the same site: a page on another port of the portal's
 * host (or a sibling subdomain) is "same-site", so SameSite=Lax cookies ride along on its fetch,
 * form and sendBeacon requests. A state change authenticated by the session cookie must therefore
 * come from the portal's own origin, as the browser states it: `Sec-Fetch-Site: same-origin`, or
 * where a browser sends no Fetch Metadata, an `Origin` whose host is the portal's. A request with
 * neither is refused too: every browser that may hold the cookie sends one of them on POST, PUT,
 * PATCH and DELETE, and a script using the cookie outside a browser can use an API token instead.
 * API-token callers are not affected: a browser never attaches an Authorization header by itself.
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type HeaderReader = { get(name: string): string | null };

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function hostOf(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === "http:" || u.protocol === "https:" ? u.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

/**
 * The hosts the portal answers as: its public address and the Host the request came to (a portal
 * reached at 127.0.0.1 instead of localhost is still itself).
 */
function portalHosts(headers: HeaderReader, publicOrigin: string): Set<string> {
  const hosts = new Set<string>();
  const pub = hostOf(publicOrigin);
  if (pub) hosts.add(pub);
  const host = headers.get("host")?.trim().toLowerCase();
  if (host) hosts.add(host);
  return hosts;
}

/** True when the browser says the request was made by a page of the portal itself. */
export function isSameOriginRequest(headers: HeaderReader, publicOrigin: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  const origin = headers.get("origin");
  if (origin === null) return false;
  const from = hostOf(origin); // "null" (sandboxed frames, opaque origins) never matches
  return from !== null && portalHosts(headers, publicOrigin).has(from);
}

/** A JSON media type: application/json or application/<x>+json, parameters allowed. */
export function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const type = value.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Whether the request says it carries a body (a browser's fetch or beacon always states one). */
export function hasBody(headers: HeaderReader): boolean {
  const length = headers.get("content-length");
  return (length !== null && length.trim() !== "0") || headers.get("transfer-encoding") !== null;
}
