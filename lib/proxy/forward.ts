/**
 * Forwards one plain HTTP request to an upstream and hands the answer to the caller's callback.
 *
 * This is what http-proxy's web() does for us (X-Forwarded-*, no Trailer header, a zero length on
 * bodiless DELETE/OPTIONS, a timeout, cancelling the upstream request when the caller goes away),
 * without its per-request option merging, event plumbing and URL joining: bench:proxy measured a bare
 * Node forwarder at about 1.8 × http-proxy's throughput on this path, which every notebook request
 * takes. WebSockets still go through http-proxy (see proxy.ts).
 */
import { request, type Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { flatHeaders } from "./headers";

interface ForwardTarget {
  hostname: string;
  port: number;
}

export interface ForwardOptions {
  agent: Agent;
  /** How long the upstream may stay silent before the request fails. */
  timeoutMs: number;
  /** The path and query to request; default the caller's, verbatim. */
  path?: string;
  onResponse: (proxyRes: IncomingMessage) => void;
  /** Called once, for a failure before or while the answer arrives (not when the caller reset the connection). */
  onError: (err: Error) => void;
  /**
   * The upstream refused the connection before a byte reached it: where to send the same request instead
   * (once), or undefined to fail. Set, the body is written chunk by chunk and what went out before the
   * connection was made (at most REPLAY_MAX_BYTES, back-pressure keeps it near one socket buffer) is replayed.
   */
  retryTo?: (err: Error) => string | undefined;
  /** A body longer than this fails the request with BODY_TOO_LARGE (onError) and stops sending it. */
  maxBodyBytes?: number;
}

/** The error code onError gets for a body past maxBodyBytes. */
export const BODY_TOO_LARGE = "ATRIUM_BODY_TOO_LARGE";

/** The most body bytes kept for a replay; beyond it a refused connection fails instead of retrying. */
const REPLAY_MAX_BYTES = 1024 * 1024;

const targets = new Map<string, ForwardTarget>();

/** "http://127.0.0.1:32768" → host and port, parsed once per distinct URL. */
function forwardTarget(url: string): ForwardTarget {
  let target = targets.get(url);
  if (!target) {
    const { hostname, port, protocol } = new URL(url);
    target = { hostname: hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(port || (protocol === "https:" ? 443 : 80)) };
    if (targets.size >= 1_000) targets.clear();
    targets.set(url, target);
  }
  return target;
}

function appendForwarded(headers: IncomingMessage["headers"], name: string, value: string): void {
  const existing = headers[name];
  headers[name] = typeof existing === "string" && existing ? `${existing},${value}` : value;
}

/** The X-Forwarded-* headers as http-proxy's xfwd option sets them. */
function addForwardedHeaders(req: IncomingMessage): void {
  const encrypted = Boolean((req.socket as Partial<TLSSocket>).encrypted);
  const host = req.headers.host;
  const port = host ? /:(\d+)/.exec(host)?.[1] : undefined;
  appendForwarded(req.headers, "x-forwarded-for", req.socket.remoteAddress ?? "");
  appendForwarded(req.headers, "x-forwarded-port", port ?? (encrypted ? "443" : "80"));
  appendForwarded(req.headers, "x-forwarded-proto", encrypted ? "https" : "http");
  req.headers["x-forwarded-host"] ??= host ?? "";
}

/** `url`: where the upstream answers, e.g. http://127.0.0.1:32768 (no path). */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, url: string, opts: ForwardOptions): void {
  const headers = req.headers;
  // A Trailer header puts Node's client into a state that wastes the connection (http-proxy #1647).
  delete headers.trailer;
  if ((req.method === "DELETE" || req.method === "OPTIONS") && !headers["content-length"]) {
    headers["content-length"] = "0";
    delete headers["transfer-encoding"];
  }
  addForwardedHeaders(req);

  const bodiless =
    headers["transfer-encoding"] === undefined && (headers["content-length"] === undefined || headers["content-length"] === "0");
  const proxyReq = send(req, res, url, opts, bodiless);
  if (bodiless) {
    // No body (nearly every GET): headers and end go out in one write, without a pipe's listeners.
    proxyReq.end();
    req.resume();
  } else if (!opts.retryTo && opts.maxBodyBytes === undefined) {
    req.pipe(proxyReq);
  }
}

function codeOf(err: Error): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** One upstream request; with retryTo or maxBodyBytes, the body is written by hand so it can be replayed or cut. */
function send(req: IncomingMessage, res: ServerResponse, url: string, opts: ForwardOptions, bodiless: boolean): ClientRequest {
  let current: ClientRequest;
  let connected = false;
  let retried = false;
  let failed = false;
  /** The chunks written before the connection was made, for a replay; undefined once impossible. */
  let replay: Buffer[] | undefined = opts.retryTo ? [] : undefined;
  let replayBytes = 0;
  let bodyBytes = 0;
  let ended = false;

  const fail = (err: Error) => {
    if (failed) return;
    if (req.socket.destroyed && codeOf(err) === "ECONNRESET") {
      failed = true;
      current.destroy();
      return;
    }
    if (!retried && !connected && codeOf(err) === "ECONNREFUSED" && replay && opts.retryTo) {
      const next = opts.retryTo(err);
      if (next) {
        retried = true;
        open(next);
        for (const chunk of replay) current.write(chunk);
        if (ended || bodiless) current.end();
        else req.resume();
        return;
      }
    }
    failed = true;
    opts.onError(err);
  };

  function open(target: string): void {
    // The caller's Host goes along, as http-proxy forwards it (changeOrigin off).
    const proxyReq = request({
      agent: opts.agent,
      ...forwardTarget(target),
      method: req.method,
      path: opts.path ?? req.url,
      headers: flatHeaders(req.headers),
    });
    current = proxyReq;
    connected = false;
    if (replay) {
      proxyReq.once("socket", (socket: Socket) => {
        if (proxyReq !== current) return;
        // A pooled connection is open already; a new one is "connecting" until the upstream accepts it.
        if (!socket.connecting) connected = true;
        else socket.once("connect", () => proxyReq === current && (connected = true));
      });
    }
    proxyReq.setTimeout(opts.timeoutMs, () => proxyReq.destroy(Object.assign(new Error("ETIMEDOUT"), { code: "ETIMEDOUT" })));
    proxyReq.on("error", (err) => proxyReq === current && fail(err));
    proxyReq.on("response", (proxyRes) => proxyReq === current && opts.onResponse(proxyRes));
    proxyReq.on("drain", () => proxyReq === current && req.resume());
  }

  open(url);
  req.on("error", fail);
  // The caller went away before the answer was complete: stop the upstream's work on it.
  res.on("close", () => {
    if (!res.writableFinished) current.destroy();
  });
  if (!bodiless && (opts.retryTo || opts.maxBodyBytes !== undefined)) {
    req.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (opts.maxBodyBytes !== undefined && bodyBytes > opts.maxBodyBytes) {
        req.pause();
        current.destroy(Object.assign(new Error(BODY_TOO_LARGE), { code: BODY_TOO_LARGE }));
        return;
      }
      if (replay && !connected) {
        replayBytes += chunk.length;
        if (replayBytes > REPLAY_MAX_BYTES) replay = undefined;
        else replay.push(chunk);
      } else replay = undefined;
      if (!current.write(chunk)) req.pause();
    });
    req.on("end", () => {
      ended = true;
      current.end();
    });
  }
  return current!;
}
