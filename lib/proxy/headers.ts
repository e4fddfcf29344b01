/**
 * Request headers on the way in: reading them the way resolvePrincipal wants, and rewriting them
 * before they reach an upstream. An upstream (a workspace runs its owner's code) must never see the
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

function cookieName(pair: string): string {
  const eq = pair.indexOf("=");
  return (eq === -1 ? pair : pair.slice(0, eq)).trim();
}

/**
 * The Cookie header without the portal's cookies and the policy's `privateCookies`; undefined when
 * nothing is left. Node joins repeated Cookie headers with "; ", so one string covers them all.
 */
export function forwardableCookies(cookie: string | undefined, privateCookies: readonly string[] = []): string | undefined {
  if (!cookie) return undefined;
  const kept = cookie
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => {
      const name = cookieName(pair);
      return pair !== "" && !isPortalCookie(name) && !privateCookies.includes(name);
    });
  return kept.length ? kept.join("; ") : undefined;
}

/**
 * Rewrites the request's headers in place for the upstream (http-proxy copies `req.headers` when it
 * builds the upstream request): the caller's credentials go, the upstream's own (`auth`, lower-case
 * names, e.g. Jupyter's `authorization: token …`) come.
 */
export function prepareForwardHeaders(
  headers: IncomingHttpHeaders,
  auth: Readonly<Record<string, string>>,
  privateCookies?: readonly string[],
): void {
  delete headers["proxy-authorization"];
  delete headers.authorization;
  Object.assign(headers, auth);
  const cookie = forwardableCookies(headerValue(headers, "cookie"), privateCookies);
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

/** The URL without its query and fragment. */
export function pathOf(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/** A browser navigation: a GET that accepts HTML (answered with redirects rather than JSON). */
export function wantsHtml(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === "GET" && (headerValue(headers, "accept") ?? "").toLowerCase().includes("text/html");
}
