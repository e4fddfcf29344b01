/**
 * Forwards one plain HTTP request to an upstream and hands the answer to the caller's callback.
 *
 * This is what http-proxy's web() does for us (X-Forwarded-*, no Trailer header, a zero length on
 * bodiless DELETE/OPTIONS, a timeout, cancelling the upstream request when the caller goes away),
 * without its per-request option merging, event plumbing and URL joining: bench:proxy measured a bare
 * Node forwarder at about 1.8 × http-proxy's throughput on this path, which every notebook request
 * takes. WebSockets still go through http-proxy (see proxy.ts).
 */
import { request, type Agent, type IncomingMessage, type ServerResponse } from "node:http";
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
}

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

  // The caller's Host goes along, as http-proxy forwards it (changeOrigin off).
  const proxyReq = request({
    agent: opts.agent,
    ...forwardTarget(url),
    method: req.method,
    path: opts.path ?? req.url,
    headers: flatHeaders(headers),
  });
  let failed = false;
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    if (req.socket.destroyed && (err as NodeJS.ErrnoException).code === "ECONNRESET") proxyReq.destroy();
    else opts.onError(err);
  };
  proxyReq.setTimeout(opts.timeoutMs, () => proxyReq.destroy(Object.assign(new Error("ETIMEDOUT"), { code: "ETIMEDOUT" })));
  proxyReq.on("error", fail);
  req.on("error", fail);
  // The caller went away before the answer was complete: stop the upstream's work on it.
  res.on("close", () => {
    if (!res.writableFinished) proxyReq.destroy();
  });
  proxyReq.on("response", opts.onResponse);
  const length = headers["content-length"];
  if (headers["transfer-encoding"] === undefined && (length === undefined || length === "0")) {
    // No body (nearly every GET): headers and end go out in one write, without a pipe's listeners.
    proxyReq.end();
    req.resume();
  } else {
    req.pipe(proxyReq);
  }
}
