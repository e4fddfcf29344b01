import type { Db } from "@/db/client";
import { findServer, findServerAndOwner, listServersOf } from "@/db/queries/servers";
import { granteesOf } from "@/db/queries/shares";
import { readableBy, serverResource, type Caller, type Resource } from "@/lib/auth/access";
import { ownerNamed } from "@/lib/auth/owner-named";
import { notFound } from "@/lib/http/api-error";
import { labelOf } from "./names";
import { serverView, type ServerView } from "./view";

/**
 * The server `user/server` as the access rule sees it: owned by the row's owner id, or, before it exists,
 * by the person its user name stands for (none: admins only), with whom it is shared (lib/sharing/). `withToken`: with its workspace token, for
 * what a workspace's own token may do to its server (installs); else no workspace token may act on it.
 */
export async function serverResourceAt(db: Db, user: string, server: string, withToken = false): Promise<Resource> {
  const found = await findServerAndOwner(db, user, server);
  const tokenId = withToken ? (found?.server?.trackingTokenId ?? null) : null;
  const sharedWith = found?.server ? await granteesOf(db, { user, server }) : undefined;
  return serverResource({ user, server, ownerId: found?.ownerId ?? null }, tokenId, sharedWith);
}

/** The server a `/api/users/<name>/servers/<server>` route acts on, for its access check (lib/http/with-user.ts). */
export const serverAt = (p: { name: string; server: string }, db: Db) => serverResourceAt(db, p.name, p.server);

/** The same with its workspace token read, for the routes a workspace's own token may call (installs). */
export const serverWithTokenAt = (p: { name: string; server: string }, db: Db) => serverResourceAt(db, p.name, p.server, true);

/** The servers of the person `user` names now that the caller may read. */
export async function listServers(db: Db, caller: Caller, user: string): Promise<ServerView[]> {
  const owner = await ownerNamed(db, user);
  return owner.id === null ? [] : (await listServersOf(db, owner.id, readableBy(caller, "server"))).map(serverView);
}

export async function getServer(db: Db, user: string, server: string): Promise<ServerView> {
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  return serverView(row);
}
