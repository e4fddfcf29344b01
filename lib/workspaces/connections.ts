/**
 * The workspace proxy's open WebSockets, as route handlers reach them (one proxy per process, server.ts):
 * a WebSocket is authorized once, at its handshake, so a revoked share must close the ones it let in.
 * Only this process's are reached; another replica's close when their caller reconnects (docs/sharing.md).
 */
import type { Db } from "@/db/client";
import { listMembers } from "@/db/queries/projects";
import { foldMemberships } from "@/db/queries/resource-permissions";
import { can, type Caller } from "@/lib/auth/access";
import { partKey, runtime } from "@/lib/runtime/context";
import type { ServerRef } from "./names";
import type { WorkspaceUpstream } from "./proxy-policy";
import { serverResourceAt } from "./query";
import { forgetWorkspaceTarget } from "./target";

type Closer = (match: (upstream: WorkspaceUpstream) => boolean) => number;
const CLOSER = partKey<{ close: Closer }>("workspace WebSocket closer");
const closer = () => runtime.part(CLOSER, () => ({ close: () => 0 }));

/** server.ts hands over its workspace proxy's closeWebSockets. */
export function setWorkspaceWebSocketCloser(close: Closer): void {
  closer().close = close;
}

/**
 * After a change to who may use `ref` (a share revoked): the proxy looks the server up again, and every open
 * WebSocket to it whose caller may no longer use it is closed now. Returns how many were closed.
 */
export async function closeRevokedConnections(db: Db, ref: ServerRef): Promise<number> {
  forgetWorkspaceTarget(db, ref.user, ref.server);
  const resource = await serverResourceAt(db, ref.user, ref.server);
  return closer().close(
    (upstream) => upstream.ref.user === ref.user && upstream.ref.server === ref.server && !can(upstream.caller, "use", resource),
  );
}

/**
 * After a project lost members, or was deleted: a WebSocket holds the caller as she was at its handshake, with her
 * old project roles, so her role in this project is read again from its members as they are now (none once it is
 * deleted), and every open WebSocket to `servers` (the servers shared with the project, `serversSharedWithProject`, read before a deletion takes the shares with it) that she may then no longer
 * use is closed, as for a revoked share. Returns how many were closed.
 */
export async function closeFormerMembersConnections(db: Db, projectId: string, servers: readonly ServerRef[]): Promise<number> {
  if (servers.length === 0) return 0;
  const members = await listMembers(db, projectId);
  const asNow = (caller: Caller): Caller => {
    const rows = members.filter(
      (m) => (m.userId !== null && m.userId === caller.userId) || (m.groupName !== null && (caller.groups ?? []).includes(m.groupName)),
    );
    const role = foldMemberships(rows.map((m) => ({ kind: "project", key: projectId, level: m.role }))).projectRoles[projectId];
    const projectRoles = { ...caller.projectRoles };
    if (role) projectRoles[projectId] = role;
    else delete projectRoles[projectId];
    return { ...caller, projectRoles };
  };
  const resources = new Map<string, Awaited<ReturnType<typeof serverResourceAt>>>();
  for (const ref of servers) {
    forgetWorkspaceTarget(db, ref.user, ref.server);
    resources.set(`${ref.user}/${ref.server}`, await serverResourceAt(db, ref.user, ref.server));
  }
  return closer().close((upstream) => {
    const resource = resources.get(`${upstream.ref.user}/${upstream.ref.server}`);
    return resource !== undefined && !can(asNow(upstream.caller), "use", resource);
  });
}
