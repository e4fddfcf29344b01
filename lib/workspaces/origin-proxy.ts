/**
 * The proxy's side of workspaces on their own origin (docs/workspace-origin.md): the workspace
 * origin's own cookie, the handshake's state cookie and redirects, and its Origin rule. The portal's
 * session cookie is host-only, so it never reaches a workspace origin; this cookie never reaches
 * the portal (other host) nor the workspace (stripped before forwarding).
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "@/lib/proxy/headers";
import type { ServerRef } from "./names";
import { callbackPath } from "./origin-auth";
import { baseUrlOf } from "./names";

/** The proxy's own cookies on a workspace origin: the session and the handshake's state. Never forwarded. */
export const WORKSPACE_COOKIE = "atrium-workspace";
export const STATE_COOKIE = "atrium-workspace-state";

/** Cookies tossed by a sibling workspace (Domain=<workspace domain>) are tried too, up to this many. */
const MAX_COOKIE_VALUES = 4;

/** Every value of the cookie `name`, in the order the browser sent them. */
export function cookieValues(headers: IncomingHttpHeaders, name: string): string[] {
  const header = headerValue(headers, "cookie");
  if (!header) return [];
  const out: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq !== -1 && pair.slice(0, eq).trim() === name) out.push(pair.slice(eq + 1).trim());
    if (out.length >= MAX_COOKIE_VALUES) break;
  }
  return out;
}

const attrs = (path: string, secure: boolean) => `Path=${path}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;

export function sessionCookie(ref: ServerRef, value: string, expiresAt: Date, secure: boolean, now = Date.now()): string {
  const maxAge = Math.max(0, Math.round((expiresAt.getTime() - now) / 1000));
  return `${WORKSPACE_COOKIE}=${value}; ${attrs(baseUrlOf(ref), secure)}; Max-Age=${maxAge}`;
}

/** Ten minutes for the round trip through the portal, which may include signing in. */
export const stateCookie = (ref: ServerRef, state: string, secure: boolean) =>
  `${STATE_COOKIE}=${state}; ${attrs(callbackPath(ref), secure)}; Max-Age=600`;
export const clearStateCookie = (ref: ServerRef, secure: boolean) => `${STATE_COOKIE}=; ${attrs(callbackPath(ref), secure)}; Max-Age=0`;

/** The portal endpoint that issues the code (app/api/users/[name]/servers/[server]/authorize). */
export function authorizeUrl(portalOrigin: string, ref: ServerRef, state: string, next: string): string {
  const q = new URLSearchParams({ state, next });
  return `${portalOrigin}/api/users/${ref.user}/servers/${ref.server}/authorize?${q.toString()}`;
}

/**
 * Whether a request on a workspace origin comes from somewhere else. Every other workspace is
 * same-site (sibling labels), so SameSite=Lax does not keep their scripts out and Jupyter's own
 * XSRF check is skipped (the proxy forwards with the workspace token): the Origin must be this
 * workspace's, exactly. A browser always sends Origin on WebSocket handshakes, so a cookie-borne
 * one without it is refused; without Origin, Sec-Fetch-Site must not name another site.
 */
export function isForeignOrigin(headers: IncomingHttpHeaders, expected: string, opts: { upgrade: boolean; cookie: boolean }): boolean {
  const origin = headerValue(headers, "origin");
  if (origin !== undefined) return origin.trim().toLowerCase() !== expected;
  if (!opts.cookie) return false;
  if (opts.upgrade) return true;
  const site = headerValue(headers, "sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}
