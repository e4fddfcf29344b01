/**
 * What the proxy itself answers (never the workspace): `{ error, message }` JSON and redirects over
 * HTTP, and the same as a raw HTTP/1.1 response written on an upgrade socket before it is closed.
 */
import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

export interface ProxyError {
  status: number;
  error: string;
  message: string;
}

export const unauthorized = (): ProxyError => ({
  status: 401,
  error: "unauthorized",
  message: "Sign in or send a valid API token.",
});

export const forbiddenWorkspace = (user: string): ProxyError => ({
  status: 403,
  error: "forbidden",
  message: `Only ${user} or an admin may open this workspace.`,
});

export const crossSite = (): ProxyError => ({
  status: 403,
  error: "forbidden",
  message: "Cross-site requests to a workspace are not allowed.",
});

export const notRunning = (user: string, server: string): ProxyError => ({
  status: 503,
  error: "server_not_running",
  message: `The server ${user}/${server} is not running; start it first.`,
});

export const badGateway = (): ProxyError => ({
  status: 502,
  error: "bad_gateway",
  message: "The workspace did not answer; it may be starting or may have stopped.",
});

export const notAWorkspace = (): ProxyError => ({
  status: 404,
  error: "not_found",
  message: "Workspace addresses look like /user/<name>/<server>/.",
});

export const portalUnavailable = (): ProxyError => ({
  status: 503,
  error: "unavailable",
  message: "The portal cannot check access to this workspace right now; try again shortly.",
});

export const upgradeRefused = (status: number): ProxyError => ({
  status,
  error: "upgrade_refused",
  message: `The workspace answered HTTP ${status} instead of opening the WebSocket.`,
});

const COMMON_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

export function sendError(res: ServerResponse, e: ProxyError): void {
  const body = JSON.stringify({ error: e.error, message: e.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(e.status, {
    ...COMMON_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { ...COMMON_HEADERS, location, "content-length": 0 });
  res.end();
}

/** Writes a complete HTTP/1.1 error response on an upgrade socket, then closes it. */
export function rejectUpgrade(socket: Duplex, e: ProxyError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: e.error, message: e.message });
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
