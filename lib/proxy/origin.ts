/**
 * Cross-site request check for callers signed in by the session cookie on the portal's origin, for a
 * policy that lets cookies in (lib/workspaces/proxy-policy.ts). The proxy forwards with the
 * workspace token, so Jupyter's own XSRF check is skipped (token-authenticated requests are exempt)
 * and its Origin check is off (allow_origin='*'); without this, another site could drive a signed-in
 * person's kernels through their cookie, WebSocket included (browsers send cookies on cross-site
 * WebSocket handshakes when SameSite allows, and Origin is the only defence there).
 * The rule is the portal API's (lib/http/same-origin.ts): the portal's own origin only, so a page on
 * another port of the same host (same-site) is refused too, and a client-sent X-Forwarded-Host
 * counts for nothing.
 * API-token callers are not affected: a browser never attaches an Authorization header by itself.
 */
import type { IncomingHttpHeaders } from "node:http";
import { isSameOriginRequest, isUnsafeMethod } from "@/lib/http/same-origin";
import { headerSource } from "./headers";

/** True unless the browser says the request comes from the portal's own origin (or its Host). */
export function isCrossSite(headers: IncomingHttpHeaders, publicOrigin = ""): boolean {
  return !isSameOriginRequest(headerSource(headers), publicOrigin);
}

/** Session-cookie requests that must pass the check: WebSocket upgrades and unsafe methods. */
export function needsOriginCheck(method: string | undefined, upgrade: boolean): boolean {
  return upgrade || isUnsafeMethod(method ?? "GET");
}
