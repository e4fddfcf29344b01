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
  /** A heading for browsers: when set, an HTML navigation gets a page rather than JSON. */
  title?: string;
}

export const unauthorized = (): ProxyError => ({
  status: 401,
  error: "unauthorized",
  message: "Sign in or send a valid API token.",
});

export const forbiddenWorkspace = (user: string): ProxyError => ({
  status: 403,
  error: "forbidden",
  title: "This workspace is not yours",
  message: `Only ${user} or an admin may open this workspace.`,
});

/** JupyterHub's admin_access, off by default: see docs/workspace-origin.md. */
export const adminAccessOff = (user: string): ProxyError => ({
  status: 403,
  error: "admin_access_disabled",
  title: "Admins cannot open other people's workspaces here",
  message:
    `This workspace belongs to ${user}. Workspaces share the portal's origin on this installation, so a script in it would run with your admin rights; ` +
    "an operator can serve workspaces on their own origin (ATRIUM_WORKSPACE_HOST) or, knowing the risk, set ATRIUM_ADMIN_ACCESS=true.",
});

export const wrongWorkspaceHost = (): ProxyError => ({
  status: 404,
  error: "not_found",
  message: "This address serves one workspace only, and not the one in the path.",
});

export const badHandshake = (): ProxyError => ({
  status: 400,
  error: "invalid_code",
  title: "This sign-in link has expired",
  message: "The workspace sign-in code is unknown, used or expired; open the workspace again from the portal.",
});

export const servedElsewhere = (origin: string): ProxyError => ({
  status: 404,
  error: "not_found",
  message: `Workspaces are served at ${origin}, not on the portal's address.`,
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

export function sendRedirect(res: ServerResponse, location: string, opts: { status?: 302 | 307; cookies?: string[] } = {}): void {
  res.writeHead(opts.status ?? 302, {
    ...COMMON_HEADERS,
    location,
    "content-length": 0,
    ...(opts.cookies?.length ? { "set-cookie": opts.cookies } : {}),
  });
  res.end();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The same error as a small page, for a browser navigation (errors with a title only). */
export function sendErrorPage(res: ServerResponse, e: ProxyError & { title: string }, home = "/"): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(e.title)}</title>` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#0f172a}code{background:#f1f5f9;padding:0 .2em}</style></head>` +
    `<body><h1>${escapeHtml(e.title)}</h1><p>${escapeHtml(e.message).replace(/(ATRIUM_[A-Z_]+(?:=true)?)/g, "<code>$1</code>")}</p><p><a href="${escapeHtml(home)}">Back to the portal</a></p></body></html>`;
  res.writeHead(e.status, {
    ...COMMON_HEADERS,
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
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
