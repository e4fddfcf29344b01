import type { ShareCodeRow, ShareRow } from "@/db/queries/shares";
import type { ServerRow } from "@/db/queries/servers";
import { labelOf, workspaceAddress, type ServerRef } from "@/lib/workspaces/names";
import { SHARE_SCOPE } from "./schemas";

/** The server part of a share, as JupyterHub's share model names it. */
function sharedServerView(ref: ServerRef, row?: Pick<ServerRow, "status"> | null) {
  return {
    name: ref.server,
    user: { name: ref.user },
    url: workspaceAddress(ref),
    ready: row?.status === "running",
    status: row?.status ?? null,
  };
}

const kindOf = (share: ShareRow) =>
  share.granteeGroup !== null ? ("group" as const) : share.granteeProjectId !== null ? ("project" as const) : ("user" as const);

/**
 * JupyterHub's share model: `{ server, scopes, user | group, kind, created_at }`; a share with a project's
 * members (Atrium's own) has kind "project" and `project: { name }`, and `user` and `group` null.
 */
export function shareView(share: ShareRow & { granteeName?: string | null }, server?: Pick<ServerRow, "status"> | null) {
  const ref = { user: share.userName, server: share.serverName };
  return {
    server: sharedServerView(ref, server),
    scopes: [`${SHARE_SCOPE}!server=${labelOf(ref)}`],
    kind: kindOf(share),
    user: share.granteeUserId !== null ? { name: share.granteeName ?? null } : null,
    group: share.granteeGroup !== null ? { name: share.granteeGroup } : null,
    project: share.granteeProjectId !== null ? { name: share.granteeName ?? null } : null,
    created_at: share.createdAt.toISOString(),
  };
}
export type ShareView = ReturnType<typeof shareView>;

/** A share code as listed: never the code itself (only its hash is kept). */
export function shareCodeView(code: ShareCodeRow) {
  const ref = { user: code.userName, server: code.serverName };
  return {
    id: code.id,
    server: sharedServerView(ref),
    scopes: [`${SHARE_SCOPE}!server=${labelOf(ref)}`],
    created_at: code.createdAt.toISOString(),
    expires_at: code.expiresAt.toISOString(),
  };
}
export type ShareCodeView = ReturnType<typeof shareCodeView>;

/** JupyterHub's list answer: every item at once (the lists are capped, docs/sharing.md). */
export const listing = <T>(items: T[]) => ({ items, _pagination: { offset: 0, limit: items.length, total: items.length, next: null } });
