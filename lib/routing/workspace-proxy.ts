/**
 * The workspace proxy: `/user/<name>/<server>/...`, HTTP and WebSocket (docs/architecture.md §3).
 *
 * Every request is decided here before anything reaches a workspace: who is calling
 * (resolvePrincipal: API token or session cookie), whether they may (the owner or an admin), whether
 * the server runs. Then it is forwarded (HTTP by forward.ts, WebSocket by one http-proxy-3 server) with
 * the caller's credentials replaced by the workspace token, and the answer is passed back with that
 * token removed.
 * Bodies are streamed, never buffered; HTML pages go through a token scrubber (see scrub.ts).
 */
import { Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pipeline, type Duplex, type Transform } from "node:stream";
import { randomBytes } from "node:crypto";
import { createProxyServer } from "http-proxy-3";
import type { Db } from "@/db/client";
import { credentialOf } from "@/lib/auth/credential";
import { resolveCredential, type Principal } from "@/lib/auth/principal";
import { hasScope, insufficientScope } from "@/lib/auth/scopes";
import { constantTimeEqual } from "@/lib/auth/tokens";
import { baseUrlOf } from "@/lib/workspaces/names";
import { callbackPath, openWorkspaceSession, redeemWorkspaceCode, safeNext, workspaceSessionPrincipal } from "@/lib/workspaces/origin-auth";
import { classifyHost, workspaceLabel, workspaceOrigin, type WorkspaceHost } from "@/lib/workspaces/workspace-host";
import { throttleActivity } from "./activity";
import { forwardRequest } from "./forward";
import { flatHeaders, headerSource, headerValue, prepareForwardHeaders, STATE_COOKIE, wantsHtml, WORKSPACE_COOKIE } from "./headers";
import { countProxyUpgrade, measureProxyRequest } from "./metrics";
import { isCrossSite, needsOriginCheck } from "./origin";
import { isWorkspacePath, missingTrailingSlash, parseWorkspacePath, withTrailingSlash, type WorkspaceRef } from "@/lib/workspaces/paths";
import type { WorkspaceTarget } from "@/lib/workspaces/target";
import { createPrincipalCache } from "./principal-cache";
import {
  adminAccessOff,
  badGateway,
  badHandshake,
  crossSite,
  forbiddenWorkspace,
  notAWorkspace,
  notRunning,
  portalUnavailable,
  rejectUpgrade,
  sendError,
  sendRedirect,
  servedElsewhere,
  unauthorized,
  upgradeRefused,
  wrongWorkspaceHost,
  type ProxyError,
} from "./replies";
import { decoderFor, isHtml, scrubHeaders, SecretScrubber, secretForms } from "./scrub";
import { authorizeUrl, clearStateCookie, cookieValues, isForeignOrigin, sessionCookie, stateCookie } from "./workspace-origin";

export interface WorkspaceProxyDeps {
  getDb: () => Promise<Db>;
  /** null: the server is not running. */
  resolveTarget: (db: Db, user: string, server: string) => Promise<WorkspaceTarget | null>;
  /** Called at most once per activityIntervalMs per server, for proxied requests and WebSocket data. */
  onActivity?: (user: string, server: string) => void;
  /** How long a resolved principal is reused for the same credential (default 5000 ms; 0: never). */
  principalCacheMs?: number;
  /** Default 10000 ms. */
  activityIntervalMs?: number;
  /**
   * Called (at most once per 2 s per server) when a workspace fails to answer or drops a connection, e.g.
   * after Jupyter's Shut Down, so the portal can check that one server at once instead of at the next reconcile.
   */
  onUnreachable?: (user: string, server: string) => void;
  /** How long the workspace may stay silent on a request or WebSocket handshake (default 120 s). */
  upstreamTimeoutMs?: number;
  /** The portal's public origin (ATRIUM_PUBLIC_URL), accepted as Origin besides the Host header. */
  publicOrigin?: string;
  /**
   * ATRIUM_WORKSPACE_HOST: every server on its own origin, reached through the code handshake with
   * the portal (publicOrigin must be set). Undefined: workspaces are served on the portal's origin.
   */
  workspaceHost?: WorkspaceHost;
  /** ATRIUM_ADMIN_ACCESS: without a workspace host, whether admins signed in by cookie may open others' workspaces. */
  adminAccess?: boolean;
}

export interface WorkspaceProxy {
  /** Whether server.ts should hand this request to the proxy: a workspace path, or any path on a workspace origin. */
  claims(req: IncomingMessage): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  close(): void;
}

type Decision =
  | { kind: "reject"; error: ProxyError }
  | { kind: "redirect"; location: string; status?: 302 | 307; cookies?: string[] }
  | { kind: "forward"; ref: WorkspaceRef; target: WorkspaceTarget };

interface Forwarded {
  ref: WorkspaceRef;
  /** The workspace token's forms, removed from whatever comes back. */
  secrets: string[];
  /** A WebSocket's handshake got its 101. */
  upgraded?: boolean;
}

// Hop-by-hop headers (RFC 9110 7.6.1) and what Node sets on its own.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "proxy-authenticate",
]);

const reject = (error: ProxyError): Decision => ({ kind: "reject", error });

function pathOf(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

function errorCode(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === "string" ? code : typeof message === "string" ? message : String(err);
}

export function createWorkspaceProxy(deps: WorkspaceProxyDeps): WorkspaceProxy {
  const upstreamTimeoutMs = deps.upstreamTimeoutMs ?? 120_000;
  const principals = createPrincipalCache(deps.principalCacheMs ?? 5_000);
  const activity = throttleActivity(deps.onActivity, deps.activityIntervalMs ?? 10_000);
  const unreachable = throttleActivity(deps.onUnreachable, 2_000);
  /** WebSocket handshakes on their way to the workspace (http-proxy's events name only the request). */
  const upgrading = new WeakMap<IncomingMessage, Forwarded>();
  /** Open WebSocket connections (client side), closed by close(). */
  const live = new Set<Socket>();

  // Connections to workspaces are reused (HTTP, forward.ts); a WebSocket takes its own (agent: false below).
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 256, scheduling: "lifo" });
  const proxy = createProxyServer({ ws: true, xfwd: true });

  function logUpstream(ref: WorkspaceRef, err: unknown): void {
    console.warn(`[atrium] proxy: ${ref.user}/${ref.server}: workspace error ${errorCode(err)}`);
    unreachable(ref.user, ref.server);
  }

  const wsHost = deps.workspaceHost;
  const secureCookies = wsHost?.scheme === "https";
  const portalOrigin = deps.publicOrigin ?? "";

  function whereIs(req: IncomingMessage): ReturnType<typeof classifyHost> {
    return wsHost ? classifyHost(wsHost, headerValue(req.headers, "host")) : { kind: "portal" };
  }

  /** Step 3 of the handshake (lib/workspaces/origin-auth.ts): the code, once, for a cookie of this server only. */
  async function callback(req: IncomingMessage, ref: WorkspaceRef): Promise<Decision> {
    if (req.method !== "GET") return reject(badHandshake());
    const query = new URL(req.url ?? "", "http://workspace.invalid").searchParams;
    const code = query.get("code");
    const state = query.get("state");
    // The state ties the callback to the browser that started the handshake (no signing someone in by a link).
    const expected = cookieValues(req.headers, STATE_COOKIE);
    if (!code || !state || !expected.some((v) => constantTimeEqual(v, state))) return reject(badHandshake());
    try {
      const db = await deps.getDb();
      const redeemed = await redeemWorkspaceCode(db, code, ref);
      if (!redeemed) return reject(badHandshake());
      const session = await openWorkspaceSession(db, redeemed, ref);
      return {
        kind: "redirect",
        location: redeemed.next,
        cookies: [sessionCookie(ref, session.value, session.expiresAt, secureCookies), clearStateCookie(ref, secureCookies)],
      };
    } catch (err) {
      console.error("[atrium] proxy: cannot complete the workspace sign-in:", err);
      return reject(portalUnavailable());
    }
  }

  /** Step 1: off to the portal, which knows who this is. */
  function startHandshake(ref: WorkspaceRef, url: string): Decision {
    const state = randomBytes(24).toString("base64url");
    const next = safeNext(ref, url) ?? baseUrlOf(ref);
    return { kind: "redirect", location: authorizeUrl(portalOrigin, ref, state, next), cookies: [stateCookie(ref, state, secureCookies)] };
  }

  /** The caller: an API token, else on the portal's origin its session cookie, on a workspace origin this server's own cookie. */
  async function callerOf(
    req: IncomingMessage,
    ref: WorkspaceRef,
    onWorkspaceOrigin: boolean,
  ): Promise<{ principal: Principal | null; db?: Db }> {
    // The portal's session cookie never counts on a workspace origin (it is host-only and should not
    // arrive, and a workspace origin must not act on it if it did).
    const credential = credentialOf(headerSource(req.headers));
    if (credential && (credential.kind === "token" || !onWorkspaceOrigin)) {
      const db = await deps.getDb();
      return { principal: await principals.get(credential, () => resolveCredential(db, credential)), db };
    }
    const values = onWorkspaceOrigin ? cookieValues(req.headers, WORKSPACE_COOKIE) : [];
    if (values.length === 0) return { principal: null };
    const db = await deps.getDb();
    for (const value of values) {
      const principal = await principals.get({ kind: "workspace-session", server: `${ref.user}/${ref.server}`, value }, () =>
        workspaceSessionPrincipal(db, value, ref),
      );
      if (principal) return { principal, db };
    }
    return { principal: null, db };
  }

  async function decide(req: IncomingMessage, upgrade: boolean): Promise<Decision> {
    const url = req.url ?? "";
    const ref = parseWorkspacePath(url);
    if (!ref) return reject(notAWorkspace());
    const where = whereIs(req);
    if (where.kind === "portal" && wsHost) {
      // Never served on the portal's origin, so a workspace's scripts never run there.
      const origin = workspaceOrigin(wsHost, ref);
      return upgrade ? reject(servedElsewhere(origin)) : { kind: "redirect", location: `${origin}${url}`, status: 307 };
    }
    const onWorkspaceOrigin = where.kind === "workspace";
    if (onWorkspaceOrigin) {
      if (where.label !== workspaceLabel(ref.user, ref.server)) return reject(wrongWorkspaceHost());
      if (pathOf(url) === callbackPath(ref)) return upgrade ? reject(notAWorkspace()) : callback(req, ref);
    }
    const html = !upgrade && wantsHtml(req.method, req.headers);
    // Jupyter's File > Log Out navigates to <base>/logout, which would only end Jupyter's own cookie
    // (there is none: the portal signs the caller in). It means "sign out", so it goes to the portal's.
    if (!upgrade && req.method === "GET" && pathOf(url) === `${baseUrlOf(ref)}logout`)
      return { kind: "redirect", location: `${portalOrigin}/signout` };

    let caller: Awaited<ReturnType<typeof callerOf>>;
    try {
      caller = await callerOf(req, ref, onWorkspaceOrigin);
    } catch (err) {
      console.error("[atrium] proxy: cannot resolve the caller:", err);
      return reject(portalUnavailable());
    }
    const { principal, db } = caller;
    if (!principal) {
      if (onWorkspaceOrigin) return html ? startHandshake(ref, url) : reject(unauthorized());
      return html ? { kind: "redirect", location: `/signin?callbackUrl=${encodeURIComponent(url)}` } : reject(unauthorized());
    }
    if (!hasScope(principal, "workspaces:access")) return reject(insufficientScope("workspaces:access"));
    if (principal.name !== ref.user) {
      if (!principal.admin) return reject(forbiddenWorkspace(ref.user));
      // On the portal's origin the workspace's scripts would act with the admin's cookie
      // (JupyterHub's admin_access). API tokens are not at risk: no script can attach one.
      if (!onWorkspaceOrigin && principal.via === "session" && !deps.adminAccess) return reject(adminAccessOff(ref.user));
    }
    const cookie = principal.via === "session";
    if (onWorkspaceOrigin && wsHost) {
      // Unsafe methods by cookie, and every WebSocket: from this workspace's own origin only.
      const checked = needsOriginCheck(req.method, upgrade) && (upgrade || cookie);
      if (checked && isForeignOrigin(req.headers, workspaceOrigin(wsHost, ref), { upgrade, cookie })) return reject(crossSite());
    } else if (cookie && needsOriginCheck(req.method, upgrade) && isCrossSite(req.headers, deps.publicOrigin)) return reject(crossSite());
    if (!upgrade && (req.method === "GET" || req.method === "HEAD") && missingTrailingSlash(url, ref)) {
      return { kind: "redirect", location: withTrailingSlash(url, ref) };
    }

    let target: WorkspaceTarget | null;
    try {
      target = await deps.resolveTarget(db ?? (await deps.getDb()), ref.user, ref.server);
    } catch (err) {
      console.error(`[atrium] proxy: cannot find where ${ref.user}/${ref.server} runs:`, err);
      return reject(portalUnavailable());
    }
    // The portal's page for a stopped server (on the portal's origin when this is a workspace origin).
    if (!target)
      return html
        ? { kind: "redirect", location: `${onWorkspaceOrigin ? portalOrigin : ""}/servers/${ref.user}/${ref.server}` }
        : reject(notRunning(ref.user, ref.server));
    if (!target.token) {
      // Forwarding without a token would either fail or, worse, reach an unprotected server.
      console.error(`[atrium] proxy: ${ref.user}/${ref.server} has no workspace token; refusing to forward.`);
      return reject(badGateway());
    }
    return { kind: "forward", ref, target };
  }

  /** The caller's credentials out, the workspace token in (headers.ts). */
  function prepareForward(req: IncomingMessage, { ref, target }: { ref: WorkspaceRef; target: WorkspaceTarget }): Forwarded {
    activity(ref.user, ref.server);
    prepareForwardHeaders(req.headers, target.token);
    return { ref, secrets: secretForms(target.token) };
  }

  /** Status and headers from the workspace, minus hop-by-hop and anything holding the token. */
  function writeResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse, ctx: Forwarded): void {
    const headers = proxyRes.headers;
    scrubHeaders(headers, ctx.secrets);
    const status = proxyRes.statusCode ?? 502;
    const transforms: Transform[] = [];
    const hasBody = req.method !== "HEAD" && status !== 204 && status !== 304;
    if (hasBody && isHtml(headers["content-type"])) {
      const decoder = decoderFor(headers["content-encoding"]);
      if (decoder === "unsupported") {
        // A page we cannot read cannot be checked for the token.
        console.warn(
          `[atrium] proxy: ${ctx.ref.user}/${ctx.ref.server}: HTML with Content-Encoding ${String(headers["content-encoding"])} refused`,
        );
        proxyRes.resume();
        sendError(res, badGateway());
        return;
      }
      if (decoder) {
        transforms.push(decoder);
        delete headers["content-encoding"];
      }
      transforms.push(new SecretScrubber(ctx.secrets));
      delete headers["content-length"];
    }
    try {
      // One flat list for writeHead: setHeader per header costs a lookup and a copy each.
      const flat = flatHeaders(headers, HOP_BY_HOP);
      res.writeHead(status, proxyRes.statusMessage && req.httpVersionMajor === 1 ? proxyRes.statusMessage : undefined, flat);
    } catch (err) {
      logUpstream(ctx.ref, err);
      proxyRes.resume();
      sendError(res, badGateway());
      return;
    }
    if (transforms.length === 0) {
      // The common case (JSON, kernels, static files). stream.pipeline would cost an AbortController
      // and a DOMException per response, a fifth of the proxy's CPU; a plain pipe does the same here:
      // http-proxy destroys the upstream request when the caller goes away.
      proxyRes.on("error", () => res.destroy());
      proxyRes.pipe(res);
      return;
    }
    pipeline([proxyRes, ...transforms, res], (err) => {
      if (err && !res.destroyed) res.destroy();
    });
  }

  proxy.on("proxyReqWs", (proxyReq, req, socket) => {
    const ctx = upgrading.get(req);
    // The handshake must not hang on a workspace that accepts connections but does not answer.
    proxyReq.setTimeout(upstreamTimeoutMs, () => proxyReq.destroy(new Error("ETIMEDOUT")));
    proxyReq.on("upgrade", (proxyRes: IncomingMessage, proxySocket: Socket) => {
      // Runs before http-proxy writes the 101 from these headers and pipes the sockets.
      if (!ctx) return;
      ctx.upgraded = true;
      scrubHeaders(proxyRes.headers, ctx.secrets);
      // Activity listeners wait until http-proxy's own "upgrade" listener, next in line, has piped the
      // sockets: a "data" listener added now would switch the socket to flowing mode before http-proxy
      // puts back the bytes that came with the 101, and they would be lost.
      queueMicrotask(() => {
        if (socket.destroyed) return;
        const tick = () => activity(ctx.ref.user, ctx.ref.server);
        socket.on("data", tick);
        proxySocket.on("data", tick);
        live.add(socket);
        socket.once("close", () => live.delete(socket));
      });
    });
    // http-proxy relays a non-101 answer (an error page, which may hold the token) verbatim; it adds
    // that listener right after this event, so it is replaced once the current call stack is done.
    queueMicrotask(() => {
      proxyReq.removeAllListeners("response");
      proxyReq.on("response", (proxyRes: IncomingMessage) => {
        proxyRes.resume();
        rejectUpgrade(socket, upgradeRefused(proxyRes.statusCode ?? 502));
      });
    });
  });

  // proxy.ws() below reports its errors to its callback; an "error" event without a listener would throw.
  proxy.on("error", (_err, _req, socket) => socket.destroy());

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    measureProxyRequest(res);
    try {
      const decision = await decide(req, false);
      if (decision.kind === "reject")
        return sendError(res, decision.error, wantsHtml(req.method, req.headers) ? portalOrigin || "/" : undefined);
      if (decision.kind === "redirect") return sendRedirect(res, decision.location, decision);
      const ctx = prepareForward(req, decision);
      forwardRequest(req, res, decision.target.url, {
        agent,
        timeoutMs: upstreamTimeoutMs,
        onResponse: (proxyRes) => writeResponse(proxyRes, req, res, ctx),
        onError: (err) => {
          logUpstream(ctx.ref, err);
          sendError(res, badGateway());
        },
      });
    } catch (err) {
      console.error("[atrium] proxy: request failed:", err);
      if (!res.writableEnded) sendError(res, badGateway());
    }
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The caller may reset the connection while we look things up; that must not crash the process.
    socket.on("error", () => socket.destroy());
    countProxyUpgrade();
    try {
      const decision = await decide(req, true);
      if (decision.kind !== "forward") return rejectUpgrade(socket, decision.kind === "reject" ? decision.error : notAWorkspace());
      if (socket.destroyed) return;
      const ctx = prepareForward(req, decision);
      upgrading.set(req, ctx);
      proxy.ws(req, socket, head, { target: decision.target.url, agent: false }, (err) => {
        logUpstream(ctx.ref, err);
        // Before the 101, the caller gets an answer; after it, only the closed connection.
        if (!ctx.upgraded) rejectUpgrade(socket, badGateway());
        else socket.destroy();
      });
    } catch (err) {
      console.error("[atrium] proxy: upgrade failed:", err);
      socket.destroy();
    }
  }

  return {
    claims(req) {
      return isWorkspacePath(req.url) || whereIs(req).kind === "workspace";
    },
    handleRequest,
    handleUpgrade,
    close() {
      for (const socket of live) socket.destroy();
      live.clear();
      agent.destroy();
      principals.clear();
    },
  };
}
