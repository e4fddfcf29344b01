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

const proxyError = (status: number, error: string, message: string, title?: string): ProxyError => ({ status, error, message, title });

export const unauthorized = () => proxyError(401, "unauthorized", "Sign in or send a valid API token.");

export const forbiddenWorkspace = (user: string) =>
  proxyError(403, "forbidden", `Only ${user} or an admin may open this workspace.`, "This workspace is not yours");

/** JupyterHub's admin_access, off by default: see docs/workspace-origin.md. */
export const adminAccessOff = (user: string) =>
  proxyError(
    403,
    "admin_access_disabled",
    `This workspace belongs to ${user}. Workspaces share the portal's origin on this installation, so a script in it would run with your admin rights; ` +
      "an operator can serve workspaces on their own origin (ATRIUM_WORKSPACE_HOST) or, knowing the risk, set ATRIUM_ADMIN_ACCESS=true.",
    "Admins cannot open other people's workspaces here",
  );

export const wrongWorkspaceHost = () =>
  proxyError(404, "not_found", "This address serves one workspace only, and not the one in the path.");

export const badHandshake = () =>
  proxyError(
    400,
    "invalid_code",
    "The workspace sign-in code is unknown, used or expired; open the workspace again from the portal.",
    "This sign-in link has expired",
  );

export const servedElsewhere = (origin: string) =>
  proxyError(404, "not_found", `Workspaces are served at ${origin}, not on the portal's address.`);

export const crossSite = () => proxyError(403, "forbidden", "Cross-site requests to a workspace are not allowed.");

export const notRunning = (user: string, server: string) =>
  proxyError(503, "server_not_running", `The server ${user}/${server} is not running; start it first.`);

export const badGateway = () => proxyError(502, "bad_gateway", "The workspace did not answer; it may be starting or may have stopped.");

export const notAWorkspace = () => proxyError(404, "not_found", "Workspace addresses look like /user/<name>/<server>/.");

export const portalUnavailable = () =>
  proxyError(503, "unavailable", "The portal cannot check access to this workspace right now; try again shortly.");

export const upgradeRefused = (status: number) =>
  proxyError(status, "upgrade_refused", `The workspace answered HTTP ${status} instead of opening the WebSocket.`);

const COMMON_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

const jsonBody = (e: ProxyError) => JSON.stringify({ error: e.error, message: e.message });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const errorPage = (title: string, message: string, home: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#0f172a}code{background:#f1f5f9;padding:0 .2em}</style></head>` +
  `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message).replace(/(ATRIUM_[A-Z_]+(?:=true)?)/g, "<code>$1</code>")}</p><p><a href="${escapeHtml(home)}">Back to the portal</a></p></body></html>`;

/** JSON, or for a browser navigation (`pageHome` set: the portal's address) a small page when the error has a title. */
export function sendError(res: ServerResponse, e: ProxyError, pageHome?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = pageHome !== undefined && e.title !== undefined ? errorPage(e.title, e.message, pageHome) : undefined;
  const body = page ?? jsonBody(e);
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
export function rejectUpgrade(socket: Duplex, e: ProxyError): void {
  if (socket.destroyed) return;
  const body = jsonBody(e);
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
