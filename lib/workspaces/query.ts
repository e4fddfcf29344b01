import type { Db } from "@/db/client";
import { findServer, listServersOf } from "@/db/queries/servers";
import { readableBy, serverResource, type Caller, type Resource } from "@/lib/auth/access";
import { notFound } from "@/lib/http/api-error";
import { labelOf } from "./names";
import { serverView, type ServerView } from "./view";

/** The server a `/api/users/<name>/servers/<server>` route acts on, for its access check (lib/http/with-user.ts). */
export const serverAt = (p: { name: string; server: string }): Resource => serverResource({ user: p.name, server: p.server });

/** The same with its workspace token read, for the routes a workspace's own token may call (installs). */
export async function serverWithTokenAt(p: { name: string; server: string }, db: Db): Promise<Resource> {
  return serverResource({ user: p.name, server: p.server }, (await findServer(db, p.name, p.server))?.trackingTokenId ?? null);
}

export async function listServers(db: Db, caller: Caller, user: string): Promise<ServerView[]> {
  return (await listServersOf(db, user, readableBy(caller, "server"))).map(serverView);
}

export async function getServer(db: Db, user: string, server: string): Promise<ServerView> {
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  return serverView(row);
}
