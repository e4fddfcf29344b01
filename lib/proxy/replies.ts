/**
 * What the proxy itself answers (never the upstream): errors as JSON (the policy's shape), as a small
 * page for a browser navigation, or as a raw HTTP/1.1 response written on an upgrade socket before it
 * is closed; and redirects. The refusals every policy shares are here; a policy keeps its own
 * (e.g. lib/workspaces/proxy-replies.ts).
 */
import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

export interface ProxyError {
  status: number;
  error: string;
  message: string;
  /** A heading for browsers: when set, an HTML navigation gets a page rather than JSON. */
  title?: string;
}

/** How a policy writes its errors (lib/proxy/policy.ts). */
export interface ErrorFormat {
  /** The JSON body; default `{ error, message }`. */
  json?: (e: ProxyError) => object;
  /** Set for a browser navigation: the page's "back" link; errors with a title are then a page. */
  pageHome?: string;
}

export const proxyError = (status: number, error: string, message: string, title?: string): ProxyError => ({
  status,
  error,
  message,
  title,
});

export const unauthorized = () => proxyError(401, "unauthorized", "Sign in or send a valid API token.");

/** `upstream`: what the policy calls what it proxies to ("workspace"). */
export const badGateway = (upstream: string) =>
  proxyError(502, "bad_gateway", `The ${upstream} did not answer; it may be starting or may have stopped.`);

export const upgradeRefused = (upstream: string, status: number) =>
  proxyError(status, "upgrade_refused", `The ${upstream} answered HTTP ${status} instead of opening the WebSocket.`);

export const bodyTooLarge = (maxBytes: number) =>
  proxyError(
    413,
    "request_too_large",
    `The request body is larger than the limit of ${formatBytes(maxBytes)}; send less data per request.`,
  );

const formatBytes = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`);

export const noWebSocket = () => proxyError(404, "not_found", "This address does not take WebSocket connections.");

const COMMON_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

const jsonBody = (e: ProxyError, format: ErrorFormat) =>
  JSON.stringify(format.json ? format.json(e) : { error: e.error, message: e.message });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const errorPage = (title: string, message: string, home: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  // The portal's card (app/not-found.tsx) in plain CSS: the proxy answers without Next or its stylesheet.
  `<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:4rem 1rem;background:#f8fafc;color:#0f172a}` +
  `main{max-width:28rem;margin:0 auto;padding:2rem;background:#fff;border:1px solid #e2e8f0;border-radius:.75rem;box-shadow:0 1px 2px rgb(0 0 0/.05);text-align:center}` +
  `h1{font-size:1.25rem;font-weight:600;margin:0}p{color:#475569;margin:.5rem 0 0;overflow-wrap:anywhere}a{display:inline-block;margin-top:1.5rem;color:#4f46e5;text-decoration:none}a:hover{text-decoration:underline}` +
  `code{background:#f1f5f9;padding:0 .2em;border-radius:.25rem}</style></head>` +
  `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message).replace(/(ATRIUM_[A-Z_]+(?:=true)?)/g, "<code>$1</code>")}</p><a href="${escapeHtml(home)}">Back to the portal</a></main></body></html>`;

/** JSON in the policy's shape, or for a browser navigation (`format.pageHome` set) a small page when the error has a title. */
export function sendError(res: ServerResponse, e: ProxyError, format: ErrorFormat = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = format.pageHome !== undefined && e.title !== undefined ? errorPage(e.title, e.message, format.pageHome) : undefined;
  const body = page ?? jsonBody(e, format);
  res.writeHead(e.status, {
    ...COMMON_HEADERS,
    "content-type": page ? "text/html; charset=utf-8" : "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...(page ? { "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" } : {}),
  });
  res.end(body);
}

export function sendRedirect(res: ServerResponse, location: string, opts: { status?: 302 | 307; cookies?: string[] } = {}): void {
  res.writeHead(opts.status ?? 302, {
    ...COMMON_HEADERS,
    location,
    "content-length": 0,
    ...(opts.cookies?.length ? { "set-cookie": opts.cookies } : {}),
  });
  res.end();
}

/** Writes a complete HTTP/1.1 error response on an upgrade socket, then closes it. */
export function rejectUpgrade(socket: Duplex, e: ProxyError, format: ErrorFormat = {}): void {
  if (socket.destroyed) return;
  const body = jsonBody(e, format);
  const head = [
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? "Error"}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "Connection: close",
  ].join("\r\n");
  // Destroying at once could drop the response; end() flushes it, the timer covers a stuck peer.
  const timer = setTimeout(() => socket.destroy(), 2_000);
  timer.unref();
  socket.end(`${head}\r\n\r\n${body}`, () => {
    clearTimeout(timer);
    socket.destroy();
  });
}
