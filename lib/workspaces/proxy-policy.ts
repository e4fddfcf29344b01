/**
 * The workspace proxy policy: `/user/<name>/<server>/...` and, with ATRIUM_WORKSPACE_HOST, every path on
 * a workspace origin, HTTP and WebSocket (docs/architecture.md §3b). The mechanism is lib/proxy/.
 *
 * Every request is decided here before anything reaches a workspace: who is calling
 * (resolvePrincipal: API token or session cookie, or on a workspace origin that server's own cookie),
 * whether they may (the access rule, by the owner id), whether the server runs. It is then forwarded with the caller's
 * credentials replaced by the workspace's Jupyter token, and the answer comes back with that token removed.
 */
import type { IncomingMessage } from "node:http";
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { can, isOwner, serverResource, type Caller, type Resource } from "@/lib/auth/access";
import { credentialOf } from "@/lib/auth/credential";
import { resolveCredential, type Principal } from "@/lib/auth/principal";
import { hasScope, insufficientScope } from "@/lib/auth/scopes";
import { constantTimeEqual } from "@/lib/auth/tokens";
import { headerSource, headerValue, pathOf, wantsHtml } from "@/lib/proxy/headers";
import { isCrossSite, needsOriginCheck } from "@/lib/proxy/origin";
import type { Decision, ProxyPolicy, Upstream } from "@/lib/proxy/policy";
import type { PrincipalCache } from "@/lib/proxy/principal-cache";
import { badGateway, unauthorized, type ProxyError } from "@/lib/proxy/replies";
import { secretForms } from "@/lib/proxy/scrub";
import { throttleActivity } from "./activity";
import { baseUrlOf } from "./names";
import { serverResourceAt } from "./query";
import { callbackPath, openWorkspaceSession, redeemWorkspaceCode, safeNext, workspaceSessionPrincipal } from "./origin-auth";
import {
  authorizeUrl,
  clearStateCookie,
  cookieValues,
  isForeignOrigin,
  sessionCookie,
  STATE_COOKIE,
  stateCookie,
  WORKSPACE_COOKIE,
} from "./origin-proxy";
import { isWorkspacePath, missingTrailingSlash, parseWorkspacePath, withTrailingSlash, type ServerRef } from "./paths";
import {
  adminAccessOff,
  badHandshake,
  crossSite,
  forbiddenWorkspace,
  notAWorkspace,
  notRunning,
  portalUnavailable,
  servedElsewhere,
  sharedNeedsWorkspaceHost,
  wrongWorkspaceHost,
} from "./proxy-replies";
import type { WorkspaceTarget } from "./target";
import { classifyHost, workspaceLabel, workspaceOrigin, type WorkspaceHost } from "./workspace-host";

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

/** A workspace as the proxy forwards to it, and for whom: a revoked share closes its WebSockets (connections.ts). */
export interface WorkspaceUpstream extends Upstream {
  ref: ServerRef;
  caller: Caller;
}

const reject = (error: ProxyError): Decision<WorkspaceUpstream> => ({ kind: "reject", error });

export function workspaceProxyPolicy(deps: WorkspaceProxyDeps): ProxyPolicy<WorkspaceUpstream> {
  const activity = throttleActivity(deps.onActivity, deps.activityIntervalMs ?? 10_000);
  const unreachable = throttleActivity(deps.onUnreachable, 2_000);
  const wsHost = deps.workspaceHost;
  const secureCookies = wsHost?.scheme === "https";
  const portalOrigin = deps.publicOrigin ?? "";

  function whereIs(req: IncomingMessage): ReturnType<typeof classifyHost> {
    return wsHost ? classifyHost(wsHost, headerValue(req.headers, "host")) : { kind: "portal" };
  }

  /** Step 3 of the handshake (origin-auth.ts): the code, once, for a cookie of this server only. */
  async function callback(req: IncomingMessage, ref: ServerRef): Promise<Decision<WorkspaceUpstream>> {
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
  function startHandshake(ref: ServerRef, url: string): Decision<WorkspaceUpstream> {
    const state = randomBytes(24).toString("base64url");
    const next = safeNext(ref, url) ?? baseUrlOf(ref);
    return { kind: "redirect", location: authorizeUrl(portalOrigin, ref, state, next), cookies: [stateCookie(ref, state, secureCookies)] };
  }

  /** The caller: an API token, else on the portal's origin its session cookie, on a workspace origin this server's own cookie. */
  async function callerOf(
    req: IncomingMessage,
    ref: ServerRef,
    onWorkspaceOrigin: boolean,
    principals: PrincipalCache,
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

  async function authorize(req: IncomingMessage, upgrade: boolean, principals: PrincipalCache): Promise<Decision<WorkspaceUpstream>> {
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
      caller = await callerOf(req, ref, onWorkspaceOrigin, principals);
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

    // Where it runs (cached while running) carries whose it is; a server that is not running is looked up by name.
    let target: WorkspaceTarget | null;
    let resource: Resource;
    try {
      const conn = db ?? (await deps.getDb());
      target = await deps.resolveTarget(conn, ref.user, ref.server);
      resource = target
        ? serverResource({ ...ref, ownerId: target.ownerId }, null, target.sharedWith)
        : await serverResourceAt(conn, ref.user, ref.server);
    } catch (err) {
      console.error(`[atrium] proxy: cannot find where ${ref.user}/${ref.server} runs:`, err);
      return reject(portalUnavailable());
    }
    // Who may use a server at all: the one access rule, its owner, an admin or whom it is shared with.
    if (!can(principal, "use", resource)) {
      return reject(forbiddenWorkspace(ref.user, principal.via !== "session" || onWorkspaceOrigin || deps.adminAccess === true));
    }
    // Someone else's workspace on the portal's origin: its scripts would act with the visitor's cookie
    // (JupyterHub's admin_access). An admin may accept that with ATRIUM_ADMIN_ACCESS; a person it is shared
    // with never does (her custom.js would act as him): shares need ATRIUM_WORKSPACE_HOST. API tokens are
    // not at risk: no script can attach one.
    if (!isOwner(principal, resource.owner) && !onWorkspaceOrigin && principal.via === "session") {
      if (!principal.admin) return reject(sharedNeedsWorkspaceHost(ref.user));
      if (!deps.adminAccess) return reject(adminAccessOff(ref.user));
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

    // The portal's page for a stopped server (on the portal's origin when this is a workspace origin).
    if (!target)
      return html
        ? { kind: "redirect", location: `${onWorkspaceOrigin ? portalOrigin : ""}/servers/${ref.user}/${ref.server}` }
        : reject(notRunning(ref.user, ref.server));
    if (!target.token) {
      // Forwarding without a token would either fail or, worse, reach an unprotected server.
      console.error(`[atrium] proxy: ${ref.user}/${ref.server} has no workspace token; refusing to forward.`);
      return reject(badGateway("workspace"));
    }
    const upstream: WorkspaceUpstream = {
      url: target.url,
      label: `${ref.user}/${ref.server}`,
      // Jupyter's own token: the caller's credentials never reach the workspace, which runs its owner's code.
      auth: { authorization: `token ${target.token}` },
      // Jupyter renders the token into its pages (lib/proxy/scrub.ts).
      secrets: secretForms(target.token),
      ref,
      caller: principal,
    };
    return { kind: "forward", upstream };
  }

  return {
    upstreamName: "workspace",
    claims: (req) => isWorkspacePath(req.url) || whereIs(req).kind === "workspace",
    authorize: (req, { upgrade, principals }) => authorize(req, upgrade, principals),
    websockets: true,
    privateCookies: [WORKSPACE_COOKIE, STATE_COOKIE],
    pageHome: portalOrigin || "/",
    principalCacheMs: deps.principalCacheMs,
    upstreamTimeoutMs: deps.upstreamTimeoutMs,
    onTraffic: ({ ref }) => activity(ref.user, ref.server),
    onUpstreamError: ({ ref }) => unreachable(ref.user, ref.server),
  };
}
