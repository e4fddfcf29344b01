/**
 * The reverse proxy's mechanism, one instance per policy (policy.ts; docs/architecture.md §3b). For a
 * request the policy claims: the policy decides (forward, redirect or refuse); a forwarded request
 * loses the caller's credentials and gets the upstream's (headers.ts), goes out over HTTP
 * (forward.ts) or WebSocket (one http-proxy-3 server), and its answer comes back without the
 * upstream's secrets (scrub.ts). Bodies are streamed, never buffered; HTML pages are scrubbed only
 * when the upstream has secrets.
 */
import { Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pipeline, type Duplex, type Transform } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { BODY_TOO_LARGE, forwardRequest } from "./forward";
import { flatHeaders, prepareForwardHeaders, wantsHtml } from "./headers";
import { countProxyUpgrade, measureProxyRequest } from "./metrics";
import type { Exchange, ProxyPolicy, Upstream } from "./policy";
import { createPrincipalCache } from "./principal-cache";
import { badGateway, bodyTooLarge, noWebSocket, rejectUpgrade, sendError, sendRedirect, upgradeRefused, type ErrorFormat } from "./replies";
import { decoderFor, isHtml, scrubHeaders, SecretScrubber } from "./scrub";

export interface Proxy<U extends Upstream = Upstream> {
  /** Whether server.ts should hand this request (or upgrade) to this proxy: its policy's claims(). */
  claims(req: IncomingMessage): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /**
   * Closes at once the open WebSockets whose upstream (as the policy decided it, caller and all) matches:
   * what a policy's revocation needs, since a WebSocket is authorized once, at its handshake. Returns how many.
   */
  closeWebSockets(match: (upstream: U) => boolean): number;
  /** Drops open WebSockets, pooled upstream connections and the principal cache. */
  close(): void;
}

interface Forwarded<U extends Upstream> {
  upstream: U;
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

/** http-proxy's options for a WebSocket: the upstream's own path replaces the caller's when the policy set one. */
function wsTarget(upstream: Upstream): { target: string; agent: false; ignorePath?: boolean } {
  return upstream.path === undefined
    ? { target: upstream.url, agent: false }
    : { target: `${upstream.url}${upstream.path}`, ignorePath: true, agent: false };
}

/** `head` with as much of `chunk` as fits in `cap` bytes (a bounded capture of a body's start). */
function headOf(head: Buffer | undefined, chunk: Buffer, cap: number): Buffer {
  const room = cap - (head?.length ?? 0);
  const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
  return head ? Buffer.concat([head, part]) : Buffer.from(part);
}

function errorCode(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === "string" ? code : typeof message === "string" ? message : String(err);
}

export function createProxy<U extends Upstream>(policy: ProxyPolicy<U>): Proxy<U> {
  const upstreamTimeoutMs = policy.upstreamTimeoutMs ?? 120_000;
  const principals = createPrincipalCache(policy.principalCacheMs ?? 5_000);
  const name = policy.upstreamName;
  const json: ErrorFormat = { json: policy.errorJson };
  const page: ErrorFormat = { json: policy.errorJson, pageHome: policy.pageHome };
  /** WebSocket handshakes on their way upstream (http-proxy's events name only the request). */
  const upgrading = new WeakMap<IncomingMessage, Forwarded<U>>();
  /** Open WebSocket connections (client side) and what each was let through to, closed by close() and closeWebSockets(). */
  const live = new Map<Socket, { upstream: U; proxySocket: Socket }>();

  // Connections upstream are reused (HTTP, forward.ts); a WebSocket takes its own (agent: false below).
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 256, scheduling: "lifo" });
  const proxy = createProxyServer({ ws: true, xfwd: true });

  /** A policy's hook must not take the process down from an event listener. */
  function hook(what: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      console.warn(`[atrium] proxy: the ${name} policy's ${what} failed:`, err);
    }
  }

  function logUpstream(upstream: U, err: unknown): void {
    console.warn(`[atrium] proxy: ${upstream.label}: ${name} error ${errorCode(err)}`);
    hook("onUpstreamError", () => policy.onUpstreamError?.(upstream, err));
  }

  /** The caller's credentials out, the upstream's in (headers.ts). */
  function prepareForward(req: IncomingMessage, upstream: U): Forwarded<U> {
    hook("onTraffic", () => policy.onTraffic?.(upstream));
    prepareForwardHeaders(req.headers, upstream.auth, policy.privateCookies);
    return { upstream };
  }

  /** Status and headers from the upstream, minus hop-by-hop and anything holding a secret. */
  function writeResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse, ctx: Forwarded<U>): void {
    const headers = proxyRes.headers;
    const secrets = ctx.upstream.secrets;
    scrubHeaders(headers, secrets);
    const status = proxyRes.statusCode ?? 502;
    const transforms: Transform[] = [];
    const hasBody = req.method !== "HEAD" && status !== 204 && status !== 304;
    if (secrets.length > 0 && hasBody && isHtml(headers["content-type"])) {
      const decoder = decoderFor(headers["content-encoding"]);
      if (decoder === "unsupported") {
        // A page we cannot read cannot be checked for the secrets.
        console.warn(`[atrium] proxy: ${ctx.upstream.label}: HTML with Content-Encoding ${String(headers["content-encoding"])} refused`);
        proxyRes.resume();
        sendError(res, badGateway(name), json);
        return;
      }
      if (decoder) {
        transforms.push(decoder);
        delete headers["content-encoding"];
      }
      transforms.push(new SecretScrubber(secrets));
      delete headers["content-length"];
    }
    try {
      // One flat list for writeHead: setHeader per header costs a lookup and a copy each.
      const flat = flatHeaders(headers, HOP_BY_HOP);
      res.writeHead(status, proxyRes.statusMessage && req.httpVersionMajor === 1 ? proxyRes.statusMessage : undefined, flat);
    } catch (err) {
      logUpstream(ctx.upstream, err);
      proxyRes.resume();
      sendError(res, badGateway(name), json);
      return;
    }
    if (transforms.length === 0) {
      // The common case (JSON, kernels, static files). stream.pipeline would cost an AbortController
      // and a DOMException per response, a fifth of the proxy's CPU; a plain pipe does the same here:
      // the upstream request is destroyed when the caller goes away (forward.ts).
      proxyRes.on("error", () => res.destroy());
      proxyRes.pipe(res);
      return;
    }
    pipeline([proxyRes, ...transforms, res], (err) => {
      if (err && !res.destroyed) res.destroy();
    });
  }

  /** Reports the exchange to the policy once the response is over; counts body bytes only for a policy that listens. */
  function watchExchange(req: IncomingMessage, res: ServerResponse): Exchange<U> {
    const started = performance.now();
    const exchange: Exchange<U> = { req, status: 0, durationMs: 0, bytesIn: 0, bytesOut: 0 };
    res.once("close", () => {
      exchange.status = res.headersSent ? res.statusCode : 0;
      exchange.durationMs = performance.now() - started;
      hook("onExchange", () => policy.onExchange?.(exchange));
    });
    return exchange;
  }

  proxy.on("proxyReqWs", (proxyReq, req, socket) => {
    const ctx = upgrading.get(req);
    // The handshake must not hang on an upstream that accepts connections but does not answer.
    proxyReq.setTimeout(upstreamTimeoutMs, () => proxyReq.destroy(new Error("ETIMEDOUT")));
    proxyReq.on("upgrade", (proxyRes: IncomingMessage, proxySocket: Socket) => {
      // Runs before http-proxy writes the 101 from these headers and pipes the sockets.
      if (!ctx) return;
      ctx.upgraded = true;
      scrubHeaders(proxyRes.headers, ctx.upstream.secrets);
      // Traffic listeners wait until http-proxy's own "upgrade" listener, next in line, has piped the
      // sockets: a "data" listener added now would switch the socket to flowing mode before http-proxy
      // puts back the bytes that came with the 101, and they would be lost.
      queueMicrotask(() => {
        if (socket.destroyed) return;
        if (policy.onTraffic) {
          const tick = () => hook("onTraffic", () => policy.onTraffic?.(ctx.upstream));
          socket.on("data", tick);
          proxySocket.on("data", tick);
        }
        live.set(socket, { upstream: ctx.upstream, proxySocket });
        socket.once("close", () => live.delete(socket));
      });
    });
    // http-proxy relays a non-101 answer (an error page, which may hold a secret) verbatim; it adds
    // that listener right after this event, so it is replaced once the current call stack is done.
    queueMicrotask(() => {
      proxyReq.removeAllListeners("response");
      proxyReq.on("response", (proxyRes: IncomingMessage) => {
        proxyRes.resume();
        rejectUpgrade(socket, upgradeRefused(name, proxyRes.statusCode ?? 502), json);
      });
    });
  });

  // proxy.ws() below reports its errors to its callback; an "error" event without a listener would throw.
  proxy.on("error", (_err, _req, socket) => socket.destroy());

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    measureProxyRequest(res);
    const exchange = policy.onExchange ? watchExchange(req, res) : undefined;
    try {
      const decision = await policy.authorize(req, { upgrade: false, principals });
      if (decision.kind === "reject") return sendError(res, decision.error, wantsHtml(req.method, req.headers) ? page : json);
      if (decision.kind === "redirect") return sendRedirect(res, decision.location, decision);
      let { upstream } = decision;
      // Set before anything can refuse the body, so the policy hears of every exchange it decided to forward.
      if (exchange) exchange.upstream = upstream;
      const max = policy.maxRequestBytes;
      if (max !== undefined && Number(req.headers["content-length"] ?? 0) > max) {
        // Not read: the connection closes after the answer rather than draining a body nobody wants.
        res.shouldKeepAlive = false;
        return sendError(res, bodyTooLarge(max), json);
      }
      let ctx = prepareForward(req, upstream);
      if (exchange) {
        const capture = upstream.captureBytes ?? 0;
        req.on("data", (chunk: Buffer) => {
          if (capture > 0 && exchange.bytesIn < capture) exchange.requestHead = headOf(exchange.requestHead, chunk, capture);
          exchange.bytesIn += chunk.length;
        });
      }
      forwardRequest(req, res, upstream.url, {
        agent,
        path: upstream.path,
        timeoutMs: upstreamTimeoutMs,
        maxBodyBytes: max,
        retryTo: policy.retryUpstream
          ? (err) => {
              logUpstream(upstream, err);
              const next = policy.retryUpstream?.(upstream);
              if (!next) return undefined;
              upstream = next;
              ctx = prepareForward(req, next);
              if (exchange) exchange.upstream = next;
              return next.url;
            }
          : undefined,
        onResponse: (proxyRes) => {
          if (exchange) {
            const capture = upstream.captureBytes ?? 0;
            proxyRes.on("data", (chunk: Buffer) => {
              if (capture > 0 && exchange.bytesOut < capture) exchange.responseHead = headOf(exchange.responseHead, chunk, capture);
              exchange.bytesOut += chunk.length;
            });
          }
          writeResponse(proxyRes, req, res, ctx);
        },
        onError: (err) => {
          if ((err as NodeJS.ErrnoException).code === BODY_TOO_LARGE && max !== undefined) {
            res.shouldKeepAlive = false;
            return sendError(res, bodyTooLarge(max), json);
          }
          logUpstream(upstream, err);
          sendError(res, badGateway(name), json);
        },
      });
    } catch (err) {
      console.error(`[atrium] proxy: ${name} request failed:`, err);
      if (!res.writableEnded) sendError(res, badGateway(name), json);
    }
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The caller may reset the connection while we look things up; that must not crash the process.
    socket.on("error", () => socket.destroy());
    countProxyUpgrade();
    if (!policy.websockets) return rejectUpgrade(socket, noWebSocket(), json);
    try {
      const decision = await policy.authorize(req, { upgrade: true, principals });
      if (decision.kind !== "forward") return rejectUpgrade(socket, decision.kind === "reject" ? decision.error : noWebSocket(), json);
      if (socket.destroyed) return;
      const { upstream } = decision;
      const ctx = prepareForward(req, upstream);
      upgrading.set(req, ctx);
      proxy.ws(req, socket, head, wsTarget(upstream), (err) => {
        logUpstream(upstream, err);
        // Before the 101, the caller gets an answer; after it, only the closed connection.
        if (!ctx.upgraded) rejectUpgrade(socket, badGateway(name), json);
        else socket.destroy();
      });
    } catch (err) {
      console.error(`[atrium] proxy: ${name} upgrade failed:`, err);
      socket.destroy();
    }
  }

  return {
    claims: (req) => policy.claims(req),
    handleRequest,
    handleUpgrade,
    closeWebSockets(match) {
      let closed = 0;
      for (const [socket, { upstream, proxySocket }] of live) {
        if (!match(upstream)) continue;
        live.delete(socket);
        socket.destroy();
        proxySocket.destroy();
        closed++;
      }
      return closed;
    },
    close() {
      for (const socket of live.keys()) socket.destroy();
      live.clear();
      agent.destroy();
      principals.clear();
    },
  };
}
