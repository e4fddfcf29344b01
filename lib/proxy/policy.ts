/**
 * What a proxy policy says (docs/architecture.md §3b): which requests it claims, who may pass and to
 * which upstream with which credentials, and what it wants to hear about each exchange. The mechanism
 * (lib/proxy/proxy.ts) forwards, scrubs, caches principals, carries WebSockets and answers errors,
 * whatever sits behind a route, like JupyterHub's route table. The workspace policy is
 * lib/workspaces/proxy-policy.ts.
 */
import type { IncomingMessage } from "node:http";
import type { PrincipalCache } from "./principal-cache";
import type { ProxyError } from "./replies";

/** Where one request goes, as the policy decided. A policy may add its own fields (the workspace adds its ref). */
export interface Upstream {
  /** Where it answers, e.g. http://127.0.0.1:32768 (no path). */
  url: string;
  /** The path and query to ask for there; default the caller's, verbatim (e.g. /serving-endpoints/m/invocations → /invocations). */
  path?: string;
  /** Names it in the proxy's logs, e.g. alice/default. */
  label: string;
  /**
   * Headers that authenticate the proxy to the upstream (lower-case names, e.g. Jupyter's
   * `authorization: token …`), set after the caller's Authorization, Proxy-Authorization and the
   * portal's cookies were removed.
   */
  auth: Readonly<Record<string, string>>;
  /**
   * What the caller must never see (the upstream's credential, in each form it may appear): response
   * headers holding one are dropped and HTML bodies are scrubbed. Empty: HTML passes as is.
   */
  secrets: readonly string[];
  /** Keep the first this many bytes of the request and response bodies for onExchange (requestHead, responseHead); default none. */
  captureBytes?: number;
}

export type Decision<U extends Upstream = Upstream> =
  | { kind: "reject"; error: ProxyError }
  | { kind: "redirect"; location: string; status?: 302 | 307; cookies?: string[] }
  | { kind: "forward"; upstream: U };

/** One HTTP request the policy claimed, once its response has ended or the caller went away. */
export interface Exchange<U extends Upstream = Upstream> {
  req: IncomingMessage;
  /** The status sent to the caller; 0 when the caller went away before any answer. */
  status: number;
  durationMs: number;
  /** Request body bytes passed to the upstream (0 when not forwarded). */
  bytesIn: number;
  /** Response body bytes as the upstream sent them (0 when not forwarded). */
  bytesOut: number;
  /** Set when the request was forwarded (the one that answered, after a retry). */
  upstream?: U;
  /** The first upstream.captureBytes bytes of the request body, when it asked for them. */
  requestHead?: Buffer;
  /** The first upstream.captureBytes bytes of the response body as the upstream sent it, when asked. */
  responseHead?: Buffer;
}

export interface AuthorizeContext {
  /** A WebSocket handshake rather than a plain request. */
  upgrade: boolean;
  /** This proxy's principal cache (principalCacheMs), for resolving the caller's credential. */
  principals: PrincipalCache;
}

export interface ProxyPolicy<U extends Upstream = Upstream> {
  /** What the upstream is called in the proxy's own messages and logs ("workspace"). */
  upstreamName: string;
  /** Whether this request (HTTP or upgrade) is this policy's: a path prefix, a Host. Synchronous and cheap. */
  claims(req: IncomingMessage): boolean;
  /** Who may pass, and where to. A throw is logged and answered 502; a policy returns its own refusals. */
  authorize(req: IncomingMessage, ctx: AuthorizeContext): Promise<Decision<U>>;
  /** Whether WebSocket handshakes are proxied (each through authorize); otherwise they are refused with 404. */
  websockets: boolean;
  /** The policy's own cookies, never forwarded (the portal's sign-in cookies never are, for any policy). */
  privateCookies?: readonly string[];
  /** The error body's JSON; default `{ error, message }` (e.g. MLflow's `{ error_code, message }` on scoring routes). */
  errorJson?: (e: ProxyError) => object;
  /** Set: a browser navigation gets an error page, with this "back to the portal" link, for errors that have a title. */
  pageHome?: string;
  /** How long a resolved principal is reused for the same credential (default 5000 ms; 0: never). */
  principalCacheMs?: number;
  /** How long the upstream may stay silent on a request or WebSocket handshake (default 120 s). */
  upstreamTimeoutMs?: number;
  /**
   * The upstream refused the connection before a byte reached it (HTTP only): another upstream to send the
   * same request to, once, or undefined to answer 502. Its auth header names must be the first one's.
   */
  retryUpstream?(refused: U): U | undefined;
  /** The most request body bytes forwarded; a longer body is answered 413 (default: no limit). */
  maxRequestBytes?: number;
  /** Each forwarded request or handshake, and every WebSocket message either way; throttle it yourself. */
  onTraffic?(upstream: U): void;
  /** The upstream failed to answer or dropped a connection (already logged). */
  onUpstreamError?(upstream: U, err: unknown): void;
  /** Each HTTP request it claimed, refused ones included, when it is over (request logs, metrics); not WebSockets. */
  onExchange?(exchange: Exchange<U>): void;
}
