import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";

export interface WorkspaceTarget {
  url: string;
  token: string;
}

/** Where the proxy sends a workspace's traffic, or null when it is not running. */
export async function resolveWorkspaceTarget(db: Db, user: string, server: string): Promise<WorkspaceTarget | null> {
  const row = await findServer(db, user, server);
  if (!row || row.status !== "running" || !row.url || !row.jupyterToken) return null;
  return { url: row.url, token: row.jupyterToken };
}
