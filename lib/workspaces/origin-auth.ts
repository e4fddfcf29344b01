/**
 * How a browser gets into a workspace served on its own origin (docs/workspace-origin.md), after
 * JupyterHub's OAuth handshake with a single-user server:
 *
 * 1. The proxy, on the workspace origin, sees no cookie of its own: it sends the browser to the
 *    portal's authorize endpoint with a random `state` (also set as a cookie on the callback path).
 * 2. The portal, on its own origin, checks the portal session (owner, admin or a share) and issues a code:
 *    random, stored hashed, bound to the server and the person, valid 60 s, single use. It redirects
 *    to the callback under the server's prefix on the workspace origin.
 * 3. The proxy consumes the code (state must match its cookie), opens a cookie session for that one
 *    server and redirects to `next`, a path under the server's prefix, never anywhere else.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findUser } from "@/db/queries/users";
import { findWorkspaceSession, insertWorkspaceCode, insertWorkspaceSession, takeWorkspaceCode } from "@/db/queries/workspace-auth";
import { assertCan } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { hashToken } from "@/lib/auth/tokens";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";
import { badRequest, forbidden, notFound, refused } from "@/lib/http/api-error";
import { parseWorkspacePath } from "./paths";
import { serverResourceAt } from "./query";
import { baseUrlOf, labelOf, type ServerRef } from "./names";
import { workspaceOrigin, type WorkspaceHost } from "./workspace-host";

export const CODE_TTL_MS = 60_000;
/** A working day; after it the browser goes through the portal again, without a prompt if still signed in. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

/** Where the portal sends the browser back with the code: under the server's prefix, so the proxy sees it. */
export const callbackPath = (ref: ServerRef) => `${baseUrlOf(ref)}_atrium/auth-callback`;

const random = () => randomBytes(32).toString("base64url");

/**
 * `next` when it is a same-origin path under the server's own prefix, else null. Scheme-relative
 * (`//evil`), absolute, backslash and dot-segment forms are all refused, as is another server's path.
 */
export function safeNext(ref: ServerRef, next: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (!next.startsWith(baseUrlOf(ref)) || /[\\\u0000-\u0020\u007f]/.test(next)) return null;
  const parsed = parseWorkspacePath(next);
  if (!parsed || parsed.user !== ref.user || parsed.server !== ref.server) return null;
  // Belt and braces: resolved against any origin it must stay on it, with the same path.
  const probe = new URL(next, "http://workspace.invalid");
  if (probe.origin !== "http://workspace.invalid" || !probe.pathname.startsWith(baseUrlOf(ref))) return null;
  return next;
}

/**
 * Step 2: a code for `principal` (already checked: owner or admin) to open `ref`. Returns the code. The
 * server and the person are bound by id: neither a namesake of its owner nor of the principal can use it.
 */
export async function issueWorkspaceCode(db: Db, principal: Principal, ref: ServerRef, next: string, now = new Date()): Promise<string> {
  const owner = await findUser(db, ref.user);
  if (!owner) throw notFound("server_not_found", `There is no server ${labelOf(ref)}.`);
  if (!principal.userId) throw forbidden("forbidden", "Only a person can open a workspace in a browser.");
  const code = random();
  await insertWorkspaceCode(
    db,
    {
      hash: hashToken(code),
      ownerId: owner.id,
      serverName: ref.server,
      principalId: principal.userId,
      next,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      portalSession: principal.sessionIdHash ?? null,
    },
    now,
  );
  return code;
}

/**
 * Step 3: the code, once. Null when unknown, used, expired or issued for another server (the code is
 * burnt in every case). `next` is checked again: it is only ever a path under this server's prefix.
 */
export async function redeemWorkspaceCode(
  db: Db,
  code: string,
  ref: ServerRef,
  now = new Date(),
): Promise<(WorkspaceGrant & { next: string }) | null> {
  const row = await takeWorkspaceCode(db, hashToken(code));
  if (!row || row.expiresAt.getTime() <= now.getTime() || row.ownerName !== ref.user || row.serverName !== ref.server) return null;
  return {
    ownerId: row.ownerId,
    principalId: row.principalId,
    portalSession: row.portalSession,
    next: safeNext(ref, row.next) ?? baseUrlOf(ref),
  };
}

/**
 * What a workspace cookie session is for: the server's owner (by id; the server's name comes with the
 * ref), whom it stands for, and the portal session it lives and dies with (null: an API token's).
 */
export interface WorkspaceGrant {
  ownerId: string;
  principalId: string;
  portalSession: string | null;
}

/** A cookie session for one server: the cookie's value (random) and when it ends. */
export async function openWorkspaceSession(
  db: Db,
  grant: WorkspaceGrant,
  ref: ServerRef,
  now = new Date(),
): Promise<{ value: string; expiresAt: Date }> {
  const value = random();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await insertWorkspaceSession(
    db,
    {
      hash: hashToken(value),
      ownerId: grant.ownerId,
      serverName: ref.server,
      principalId: grant.principalId,
      portalSession: grant.portalSession,
      expiresAt,
    },
    now,
  );
  return { value, expiresAt };
}

/**
 * Who a workspace cookie stands for, on `ref` only. The person is read afresh (through the proxy's
 * short cache): a demoted admin or a deleted user loses access like with any other credential, and a
 * person created again under the owner's name is another owner (the session is bound to the owner's id).
 */
export async function workspaceSessionPrincipal(db: Db, value: string, ref: ServerRef, now = new Date()): Promise<Principal | null> {
  const found = await findWorkspaceSession(db, hashToken(value));
  if (!found) return null;
  const { session, ownerName, principal: user } = found;
  if (session.expiresAt.getTime() <= now.getTime() || ownerName !== ref.user || session.serverName !== ref.server) return null;
  return { name: user.name, userId: user.id, role: user.role, admin: user.role === "admin", via: "session", groups: user.ssoGroups };
}

/**
 * Step 2 on the portal: the caller, who must be allowed to use the server (lib/auth/access.ts), gets a code for `ref` and the
 * address on the workspace origin to take it to. Built from the configuration, never from input, so
 * the code cannot be sent anywhere else.
 */
export async function authorizeWorkspace(
  db: Db,
  principal: Principal,
  ref: ServerRef,
  query: { state: string; next?: string | undefined },
  host: WorkspaceHost | undefined = getConfig().workspaceHost,
): Promise<string> {
  assertCan(principal, "use", await serverResourceAt(db, ref.user, ref.server), refused);
  if (!host)
    throw notFound("no_workspace_host", `Workspaces are served on the portal's own address here; open ${baseUrlOf(ref)} directly.`);
  // The bootstrap token is for automation; it has no user row to tie a browser session to.
  if (principal.via === "bootstrap")
    throw forbidden("forbidden", "The bootstrap token cannot open a workspace in a browser; use it as an API token.");
  const next = safeNext(ref, query.next ?? baseUrlOf(ref));
  if (next === null) throw badRequest("invalid_next", `next must be a path under ${baseUrlOf(ref)} on the workspace's own address.`);
  const code = await issueWorkspaceCode(db, principal, ref, next);
  // Someone else in a workspace sees its owner's files and can run code as her: on the record, as an
  // admin's visit or a share's (lib/sharing/).
  if (principal.name !== ref.user)
    await recordAudit(db, {
      actor: principal.name,
      action: principal.admin ? "server.admin_open" : "server.shared_open",
      target: labelOf(ref),
      detail: {},
    });
  const q = new URLSearchParams({ code, state: query.state });
  return `${workspaceOrigin(host, ref)}${callbackPath(ref)}?${q.toString()}`;
}
