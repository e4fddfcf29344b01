import type { Db } from "@/db/client";
import { findServer, listServersOf } from "@/db/queries/servers";
import { notFound } from "@/lib/http/api-error";
import { labelOf } from "./names";
import { serverView, type ServerView } from "./view";

export async function listServers(db: Db, user: string): Promise<ServerView[]> {
  return (await listServersOf(db, user)).map(serverView);
}

export async function getServer(db: Db, user: string, server: string): Promise<ServerView> {
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  return serverView(row);
}
