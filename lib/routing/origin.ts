/**
 * Cross-site request check for callers signed in by the session cookie. The proxy forwards with the
 * workspace token, so Jupyter's own XSRF check is skipped (token-authenticated requests are exempt)
 * and its Origin check is off (allow_origin='*'); without this, another site could drive a signed-in
 * person's kernels through their cookie, WebSocket included (browsers send cookies on cross-site
 * WebSocket handshakes when SameSite allows, and Origin is the only defence there).
 * API-token callers are not affected: a browser never attaches an Authorization header by itself.
 */
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./headers";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * True when a browser says the request comes from another site: Sec-Fetch-Site cross-site, or an
 * Origin whose host is neither the Host header, the first X-Forwarded-Host, nor the public origin.
 * A request without Origin (non-browser clients, same-origin GETs) passes.
 */
export function isCrossSite(headers: IncomingHttpHeaders, publicOrigin?: string): boolean {
  if (headerValue(headers, "sec-fetch-site") === "cross-site") return true;
  const origin = headerValue(headers, "origin");
  if (origin === undefined) return false;
  const from = hostOf(origin); // "null" (sandboxed frames, privacy redirects) parses to null: refused
  if (from === null) return true;
  const allowed = new Set<string>();
  const host = headerValue(headers, "host");
  if (host) allowed.add(host.trim().toLowerCase());
  const forwarded = headerValue(headers, "x-forwarded-host")?.split(",")[0]?.trim();
  if (forwarded) allowed.add(forwarded.toLowerCase());
  const pub = publicOrigin ? hostOf(publicOrigin) : null;
  if (pub) allowed.add(pub);
  return !allowed.has(from);
}

/** Session-cookie requests that must pass the check: WebSocket upgrades and unsafe methods. */
export function needsOriginCheck(method: string | undefined, upgrade: boolean): boolean {
  return upgrade || !SAFE_METHODS.has((method ?? "GET").toUpperCase());
}
