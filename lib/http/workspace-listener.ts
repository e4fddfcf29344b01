/**
 * The workspace listener (docs/architecture.md, "Listeners"): with the development sign-in the portal
 * listens on loopback, where no container reaches it, so `MLFLOW_TRACKING_URI` (host.docker.internal)
 * would be refused in every workspace. A second listener on the address host.docker.internal stands for
 * (the engine's bridge gateway) serves what a workspace's token is for and nothing a browser signs in
 * with: API paths only, never `/api/auth` or a page, every request but the health check carrying a
 * token, and cookies dropped before the request is handled, so no session can be used or made there.
 * Anyone on the bridge (every container) reaches it; what they can do is what their token may.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { proxyError, rejectUpgrade, sendError, type ProxyError } from "@/lib/proxy/replies";

/** Paths a workspace's code calls: MLflow's REST and artifact APIs, OTLP traces, packages, endpoints. */
const SERVED = [
  /^\/api\/(?!auth(?:\/|$))/,
  /^\/ajax-api\//,
  /^\/v1\/traces(?:\/|$|\?)/,
  /^\/serving-endpoints\//,
  /^\/(?:version|health)(?:$|\?)/,
];
/** Answered without a token, as on the main listener. */
const OPEN = /^\/(?:api\/health|health|version)(?:$|\?)/;

/** Why this request is not served on the workspace listener; null when it is (its cookies are then dropped). */
export function workspaceListenerRefusal(req: Pick<IncomingMessage, "url" | "headers">): ProxyError | null {
  const url = req.url ?? "/";
  if (!SERVED.some((re) => re.test(url))) {
    return proxyError(
      404,
      "not_found",
      "This address serves the portal's APIs to workspaces only; open the portal at its own address for pages and sign-in.",
    );
  }
  if (!OPEN.test(url) && !req.headers.authorization) {
    return proxyError(
      401,
      "unauthorized",
      "Send an API token: this address takes no sign-in cookies (MLFLOW_TRACKING_TOKEN in a workspace).",
    );
  }
  return null;
}

/** Whether `host` is a loopback address, where no container reaches a listener. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

export interface WorkspaceListenerState {
  /** "listening": workspaces reach the portal at `address`; "not-needed": the main listener already faces them. */
  state: "listening" | "not-needed" | "off" | "waiting" | "failed";
  address?: string;
  /** Why it is not listening, in a sentence with the fix. */
  reason?: string;
}

let current: WorkspaceListenerState = { state: "not-needed" };

/** What pages say about whether a workspace reaches the portal (the Experiments and server pages). */
export function workspaceListenerState(): WorkspaceListenerState {
  return current;
}

/** Why no workspace reaches the portal now, in a sentence with the fix; undefined when they do. */
export function workspacesCannotReach(): string | undefined {
  return current.state === "listening" || current.state === "not-needed" ? undefined : current.reason;
}

/** For tests of what pages show. */
export function setWorkspaceListenerState(next: WorkspaceListenerState): void {
  current = next;
}

export interface WorkspaceListenerOptions {
  /** config.workspaceListenHost: an address, "off", or "auto" (the engine's gateway when the main listener is on loopback). */
  configured: string;
  listenHost: string;
  /** ATRIUM_WORKSPACE_PORTAL_URL was set: workspaces reach the portal the way the operator said. */
  portalUrlGiven: boolean;
  port: number;
  /** The address host.docker.internal stands for on this engine; undefined when the engine does not say. */
  gateway: () => Promise<string | undefined>;
  handle: RequestListener;
  /** How long to wait before asking the engine again when it did not answer. */
  retryMs?: number;
  log?: Pick<Console, "log" | "warn">;
}

const FIX = "set ATRIUM_WORKSPACE_LISTEN_HOST to an address containers reach, or ATRIUM_WORKSPACE_PORTAL_URL to how they reach the portal";

/**
 * Starts the workspace listener when the main one is on loopback; asks the engine for its gateway until
 * it answers (an engine started after the portal). Returns a stop function.
 */
export function startWorkspaceListener(opts: WorkspaceListenerOptions): () => void {
  const log = opts.log ?? console;
  const auto = opts.configured === "auto";
  const needed = isLoopback(opts.listenHost) && !opts.portalUrlGiven;
  if (opts.configured === "off" || (auto && !needed)) {
    current = needed
      ? {
          state: "off",
          reason: `The portal listens on ${opts.listenHost} only and ATRIUM_WORKSPACE_LISTEN_HOST is off, so no workspace reaches it; ${FIX}.`,
        }
      : { state: "not-needed" };
    return () => undefined;
  }
  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  current = { state: "waiting", reason: `The portal is waiting for the container engine to say which address workspaces reach it at.` };

  const serve = (address: string) => {
    const s = createServer((req, res) => {
      const refusal = workspaceListenerRefusal(req);
      if (refusal) return sendError(res, refusal);
      delete req.headers.cookie;
      opts.handle(req, res);
    });
    s.on("upgrade", (_req: IncomingMessage, socket: Duplex) =>
      rejectUpgrade(socket, proxyError(404, "not_found", "This address takes no WebSocket connections.")),
    );
    s.once("error", (err: NodeJS.ErrnoException) => {
      current = {
        state: "failed",
        address,
        reason: `The portal could not listen on ${address}:${opts.port} for workspaces (${err.code ?? err.message}); ${FIX}.`,
      };
      log.warn(`[atrium] ${current.reason}`);
    });
    s.listen(opts.port, address, () => {
      current = { state: "listening", address };
      log.log(`[atrium] workspaces reach the portal's APIs (tokens only, no sign-in) at ${address}:${opts.port}`);
    });
    server = s;
  };

  const attempt = async () => {
    if (stopped) return;
    const address = auto ? await opts.gateway().catch(() => undefined) : opts.configured;
    if (stopped) return;
    if (address) return serve(address);
    current = {
      state: "waiting",
      reason: `The container engine did not say which address workspaces reach the portal at; the portal asks again, or ${FIX}.`,
    };
    timer = setTimeout(() => void attempt(), opts.retryMs ?? 30_000);
    timer.unref();
  };
  void attempt();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    server?.close();
    server?.closeAllConnections();
  };
}
