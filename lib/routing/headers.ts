/**
 * Request headers on the way in: reading them the way resolvePrincipal wants, and rewriting them
 * before they reach a workspace. The workspace runs its owner's code, so it must never see the
 * caller's portal credentials: not the API token in Authorization, not the portal session cookie.
 */
import type { IncomingHttpHeaders } from "node:http";

/** Node's header object in the `{ get(name) }` shape that resolvePrincipal takes. */
export function headerSource(headers: IncomingHttpHeaders): { get(name: string): string | null } {
  return {
    get(name: string): string | null {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

// next-auth v5 (authjs.*) and v4 (next-auth.*) names, with the cookie prefixes browsers enforce.
const PORTAL_COOKIE_RE = /^(?:__secure-|__host-)?(?:authjs|next-auth)\./i;

/** Whether a cookie belongs to the portal's sign-in (session, CSRF, callback URL, chunks). */
export function isPortalCookie(name: string): boolean {
  return PORTAL_COOKIE_RE.test(name.trim());
}

/** The proxy's own cookies on a workspace origin (workspace-origin.ts): the session and the handshake's state. */
export const WORKSPACE_COOKIE = "atrium-workspace";
export const STATE_COOKIE = "atrium-workspace-state";

function cookieName(pair: string): string {
  const eq = pair.indexOf("=");
  return (eq === -1 ? pair : pair.slice(0, eq)).trim();
}

const isCredentialCookie = (name: string) => isPortalCookie(name) || name === WORKSPACE_COOKIE || name === STATE_COOKIE;

/**
 * The Cookie header without the portal's and the proxy's own cookies; undefined when nothing is left.
 * Node joins repeated Cookie headers with "; ", so one string covers them all.
 */
export function forwardableCookies(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const kept = cookie
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !isCredentialCookie(cookieName(pair)));
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * Rewrites the request's headers in place for the workspace (http-proxy copies `req.headers` when
 * it builds the upstream request): the caller's credentials go, the workspace token comes.
 */
export function prepareForwardHeaders(headers: IncomingHttpHeaders, workspaceToken: string): void {
  delete headers["proxy-authorization"];
  headers.authorization = `token ${workspaceToken}`;
  const cookie = forwardableCookies(headerValue(headers, "cookie"));
  if (cookie === undefined) delete headers.cookie;
  else headers.cookie = cookie;
}

/** Headers as one flat [name, value, ...] list, which Node writes as is (an object is copied header by header). */
export function flatHeaders(headers: IncomingHttpHeaders, skip?: ReadonlySet<string>): string[] {
  const flat: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || skip?.has(name)) continue;
    if (typeof value === "string") flat.push(name, value);
    else for (const v of value) flat.push(name, v);
  }
  return flat;
}

/** A browser navigation: a GET that accepts HTML (answered with redirects rather than JSON). */
export function wantsHtml(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === "GET" && (headerValue(headers, "accept") ?? "").toLowerCase().includes("text/html");
}
