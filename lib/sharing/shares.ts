/**
 * Shares (JupyterHub's, docs/sharing.md): the owner of a server, or an admin, lets a person or an SSO group
 * open it. Who may manage them is the one access rule's "write" on the server (lib/auth/access.ts); what a
 * share gives is that rule's "use". A revocation takes effect at once in this process: the proxy forgets the
 * server's cached grantees and the revoked people's open WebSockets are closed (lib/workspaces/connections.ts).
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import {
  countShares,
  deleteAllShares,
  deleteShare,
  listSharedWith,
  listShares,
  upsertShare,
  type Grantee,
  type ShareRow,
} from "@/db/queries/shares";
import { findProject, listProjects } from "@/db/queries/projects";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { findUser } from "@/db/queries/users";
import { deleteWorkspaceSessionsOf } from "@/db/queries/workspace-auth";
import { assertCan } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, forbidden, notFound, refused } from "@/lib/http/api-error";
import { projectFor } from "@/lib/projects/manage";
import { closeRevokedConnections } from "@/lib/workspaces/connections";
import { labelOf, type ServerRef } from "@/lib/workspaces/names";
import { serverResourceAt } from "@/lib/workspaces/query";
import { forgetWorkspaceTarget } from "@/lib/workspaces/target";
import { isShareScope, type GranteeInput } from "./schemas";
import { shareView, type ShareView } from "./view";

/** A server's shares are few in practice; a group share covers a team. */
const MAX_SHARES_PER_SERVER = 100;
/** "Shared with me" lists at most this many servers. */
const MAX_SHARED_WITH_LISTED = 500;

export const newShareId = () => randomBytes(12).toString("hex");

/** The caller must be allowed to manage `ref`'s shares (its owner or an admin), and the server must exist. */
export async function assertManages(db: Db, caller: Principal, ref: ServerRef): Promise<void> {
  assertCan(caller, "write", await serverResourceAt(db, ref.user, ref.server), refused, "share this server");
  if (!(await findServer(db, ref.user, ref.server)))
    throw notFound("server_not_found", `There is no server ${labelOf(ref)}; start it once before sharing it.`);
}

/**
 * A named person's id (404 when there is none), the group as given, or a project the caller can see (one she is
 * not in is 404 `project_not_found`, as everywhere: sharing must not tell her which projects exist).
 */
async function granteeOf(
  db: Db,
  caller: Principal,
  input: GranteeInput,
  forRevoke = false,
): Promise<{ grantee: Grantee; label: string; name: string }> {
  if ("group" in input) return { grantee: { group: input.group }, label: `group ${input.group}`, name: input.group };
  if ("project" in input) {
    // A share made while she was in the project stays hers to revoke after she left it; an unknown name is simply not shared with.
    const project = forRevoke ? await findProject(db, input.project) : await projectFor(db, caller, input.project);
    const projectId = project?.id ?? "";
    return { grantee: { projectId }, label: `project ${input.project}`, name: input.project };
  }
  const person = await findUser(db, input.user);
  if (!person) throw notFound("user_not_found", `There is no user "${input.user}".`);
  return { grantee: { userId: person.id }, label: person.name, name: person.name };
}

export async function listServerShares(db: Db, caller: Principal, ref: ServerRef): Promise<ShareView[]> {
  assertCan(caller, "read", await serverResourceAt(db, ref.user, ref.server), refused, "see who this server is shared with");
  const server = await findServer(db, ref.user, ref.server);
  return (await listShares(db, ref)).map((s) => shareView(s, server));
}

/** Shares `ref` with a person or group; sharing twice is no error (201 the first time, 200 after). */
export async function shareServer(
  db: Db,
  caller: Principal,
  ref: ServerRef,
  input: GranteeInput & { scopes?: readonly string[] | undefined },
): Promise<{ share: ShareView; created: boolean }> {
  await assertManages(db, caller, ref);
  const unknown = (input.scopes ?? []).filter((s) => !isShareScope(s, labelOf(ref)));
  if (unknown.length > 0)
    throw badRequest("invalid_scopes", `A share gives access:servers only (opening the server); ${unknown.join(", ")} cannot be shared.`);
  const { grantee, label, name } = await granteeOf(db, caller, input);
  const server = await findServer(db, ref.user, ref.server);
  if ("userId" in grantee && server?.ownerId === grantee.userId)
    throw badRequest("share_with_owner", `${label} owns ${labelOf(ref)} already; share it with someone else.`);
  const result = await db.transaction(async (tx) => {
    if ((await countShares(tx, ref)) >= MAX_SHARES_PER_SERVER)
      throw conflict(
        "too_many_shares",
        `${labelOf(ref)} is shared ${MAX_SHARES_PER_SERVER} times already, the most a server may be; revoke one, or share with a group.`,
      );
    const made = await upsertShare(
      tx,
      { id: newShareId(), userName: ref.user, serverName: ref.server, createdById: caller.userId ?? null },
      grantee,
    );
    if (made.created) await recordAudit(tx, { actor: caller.name, action: "share.create", target: labelOf(ref), detail: { with: label } });
    return made;
  });
  forgetWorkspaceTarget(db, ref.user, ref.server);
  return { share: shareView({ ...result.share, granteeName: "group" in grantee ? null : name }, server), created: result.created };
}

/** Ends what the revoked share let in: the proxy's cached grantees, open WebSockets, a person's workspace cookies. */
async function afterRevoke(db: Db, ref: ServerRef, revoked: readonly ShareRow[]): Promise<void> {
  const owner = await findUser(db, ref.user);
  for (const share of revoked) {
    if (share.granteeUserId === null || !owner) continue;
    await deleteWorkspaceSessionsOf(db, owner.id, ref.server, share.granteeUserId);
  }
  await closeRevokedConnections(db, ref);
}

/** Revokes one grantee's share (404 when there is none) or, with no grantee, every share of the server. Returns what went. */
export async function revokeShares(db: Db, caller: Principal, ref: ServerRef, input?: GranteeInput): Promise<number> {
  await assertManages(db, caller, ref);
  const target = input ? await granteeOf(db, caller, input, true) : undefined;
  const revoked = await db.transaction(async (tx) => {
    const rows = target
      ? [await deleteShare(tx, ref, target.grantee)].filter((r): r is ShareRow => r !== undefined)
      : await deleteAllShares(tx, ref);
    if (target && rows.length === 0) throw notFound("share_not_found", `${labelOf(ref)} is not shared with ${target.label}.`);
    if (rows.length > 0)
      await recordAudit(tx, {
        actor: caller.name,
        action: "share.revoke",
        target: labelOf(ref),
        detail: target ? { with: target.label } : { all: rows.length },
      });
    return rows;
  });
  await afterRevoke(db, ref, revoked);
  return revoked.length;
}

/** JupyterHub's PATCH: take scopes away from one grantee; taking access:servers, the only one, ends the share. */
export async function patchShare(
  db: Db,
  caller: Principal,
  ref: ServerRef,
  input: GranteeInput & { scopes: readonly string[] },
): Promise<ShareView | null> {
  const unknown = input.scopes.filter((s) => !isShareScope(s, labelOf(ref)));
  if (unknown.length > 0)
    throw badRequest("invalid_scopes", `A share has access:servers only; ${unknown.join(", ")} is not one of its scopes.`);
  await revokeShares(
    db,
    caller,
    ref,
    "user" in input ? { user: input.user } : "group" in input ? { group: input.group } : { project: input.project },
  );
  return null;
}

/** What is shared with the person `name` (herself, or an admin asking): by her id, one of her SSO groups or projects. */
export async function sharedWith(db: Db, caller: Principal, name: string): Promise<ShareView[]> {
  const person = await findUser(db, name);
  if (!person) throw notFound("user_not_found", `There is no user "${name}".`);
  if (caller.userId !== person.id && !caller.admin)
    throw forbidden("forbidden", `Only ${name} or an admin may see what is shared with ${name}.`);
  const { projectRoles } = await membershipsOf(db, person.id, person.ssoGroups);
  const projectIds = Object.keys(projectRoles);
  const rows = await listSharedWith(db, { userId: person.id, groups: person.ssoGroups, projectIds }, MAX_SHARED_WITH_LISTED);
  const projectNames = new Map((await listProjects(db, projectIds, projectIds.length)).map((p) => [p.id, p.name]));
  // One server may come through a personal, a group and a project share: listed once.
  const seen = new Set<string>();
  return rows.flatMap(({ share, server }) => {
    const key = labelOf({ user: share.userName, server: share.serverName });
    if (seen.has(key)) return [];
    seen.add(key);
    // A project share names its project, which she is in (and so may see).
    const granteeName = share.granteeUserId
      ? person.name
      : share.granteeProjectId
        ? (projectNames.get(share.granteeProjectId) ?? null)
        : null;
    return [shareView({ ...share, granteeName }, server)];
  });
}

/** The server a `/api/shares/<user>/<server>` or `/api/share-codes/...` route acts on, for its access check. */
export const sharedServerAt = (p: { user: string; server: string }, db: Db) => serverResourceAt(db, p.user, p.server);
