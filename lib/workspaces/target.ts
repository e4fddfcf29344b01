import type { Db } from "@/db/client";
import { runtime } from "@/lib/runtime/context";
import type { WorkspaceTarget } from "./target-cache";

export type { WorkspaceTarget } from "./target-cache";

/** Where the proxy sends a workspace's traffic, or null when it is not running (the process's cache). */
export function resolveWorkspaceTarget(db: Db, user: string, server: string): Promise<WorkspaceTarget | null> {
  return runtime.targets.resolve(db, user, server);
}

/** The proxy must look this server up again: it is stopping, stopped, failed or moved. */
export function forgetWorkspaceTarget(db: Db, user: string, server: string): void {
  runtime.targets.forget(db, user, server);
}
