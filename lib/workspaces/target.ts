import type { Db } from "@/db/client";
import { partKey, runtime } from "@/lib/runtime/context";
import { WorkspaceTargetCache, type WorkspaceTarget } from "./target-cache";

export type { WorkspaceTarget } from "./target-cache";

/** Where running workspaces answer: the proxy reads it, a stop in a route handler forgets (one per process). */
const WORKSPACE_TARGETS = partKey<WorkspaceTargetCache>("workspace targets");
const targets = () => runtime.part(WORKSPACE_TARGETS, () => new WorkspaceTargetCache());

/** Where the proxy sends a workspace's traffic, or null when it is not running (the process's cache). */
export function resolveWorkspaceTarget(db: Db, user: string, server: string): Promise<WorkspaceTarget | null> {
  return targets().resolve(db, user, server);
}

/** The proxy must look this server up again: it is stopping, stopped, failed or moved. */
export function forgetWorkspaceTarget(db: Db, user: string, server: string): void {
  targets().forget(db, user, server);
}
