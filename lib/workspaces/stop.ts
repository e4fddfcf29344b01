import type { Db } from "@/db/client";
import { findServer, updateServer } from "@/db/queries/servers";
import { deleteWorkspaceSessions } from "@/db/queries/workspace-auth";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { notFound } from "@/lib/http/api-error";
import type { Spawner } from "@/lib/spawner";
import { revokeTokenById } from "@/lib/tokens/manage";
import { labelOf } from "./names";
import { engineUnavailable } from "./start";
import { forgetWorkspaceTarget } from "./target";
import { serverView, type ServerView } from "./view";

/**
 * Stops a server and keeps its home volume. Marks it stopping at once and finishes in the background;
 * a server that is not active is returned as it is.
 */
export async function stopServer(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  user: string,
  server: string,
  opts: { action?: "server.stop" | "server.cull"; reason?: string; wait?: boolean } = {},
): Promise<ServerView> {
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  if (row.status === "stopped" || row.status === "failed") return serverView(row);
  if (!(await spawner.ping())) throw engineUnavailable();
  const stopping = await updateServer(db, user, server, { status: "stopping", phase: "stopping", message: "Stopping" }, ["pending", "running", "stopping"]);
  // The proxy stops forwarding now, not when its cached target expires.
  forgetWorkspaceTarget(db, user, server);
  // Its workspace-origin cookies end with it; whoever comes back goes through the portal again.
  await deleteWorkspaceSessions(db, user, server);
  if (!stopping) return serverView((await findServer(db, user, server)) ?? row);
  await recordAudit(db, { actor: actor.name, action: opts.action ?? "server.stop", target: labelOf({ user, server }), detail: opts.reason ? { reason: opts.reason } : {} });
  const finish = finishStop(db, spawner, user, server, row.trackingTokenId, opts.reason);
  if (opts.wait) await finish;
  else void finish;
  return serverView(stopping);
}

async function finishStop(db: Db, spawner: Spawner, user: string, server: string, trackingTokenId: string | null, reason?: string): Promise<void> {
  try {
    await spawner.stop({ user, server });
    if (trackingTokenId) await revokeTokenById(db, trackingTokenId);
    await updateServer(db, user, server, {
      status: "stopped",
      phase: null,
      progress: 0,
      message: null,
      reason: reason ?? null,
      url: null,
      jupyterToken: null,
      spawnerState: null,
      trackingTokenId: null,
      stoppedAt: new Date(),
    });
  } catch (err) {
    // Left as "stopping": the reconcile loop finishes it once the engine answers again.
    console.error(`[atrium] stopping ${labelOf({ user, server })} failed:`, err);
  }
}
