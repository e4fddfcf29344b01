import type { Db } from "@/db/client";
import { allRows } from "@/db/queries/readable";
import { ACTIVE_STATES, findServer, listServersOf, updateServer } from "@/db/queries/servers";
import { deleteWorkspaceSessions } from "@/db/queries/workspace-auth";
import { assertCan } from "@/lib/auth/access";
import { serverResourceAt } from "./query";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { ApiError, notFound, refused } from "@/lib/http/api-error";
import { EngineUnavailableError, type Spawner } from "@/lib/spawner";
import { revokeTokenById } from "@/lib/tokens/manage";
import { labelOf } from "./names";
import { engineUnavailable } from "./start";
import { forgetWorkspaceTarget } from "./target";
import { serverView, type ServerView } from "./view";
import { workspaceRef } from "./workload";

/**
 * Stops a server and keeps its home volume. Marks it stopping at once and finishes in the background;
 * a server that is not active is returned as it is. The actor must be allowed to operate it (lib/auth/access.ts).
 */
export async function stopServer(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  user: string,
  server: string,
  opts: { action?: "server.stop" | "server.cull"; reason?: string; wait?: boolean } = {},
): Promise<ServerView> {
  assertCan(actor, "operate", await serverResourceAt(db, user, server), refused);
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  if (row.status === "stopped" || row.status === "failed") return serverView(row);
  if (!(await spawner.ping())) throw engineUnavailable();
  const stopping = await updateServer(db, user, server, { status: "stopping", phase: "stopping", message: "Stopping" }, [
    "pending",
    "running",
    "stopping",
  ]);
  // The proxy stops forwarding now, not when its cached target expires.
  forgetWorkspaceTarget(db, user, server);
  // Its workspace-origin cookies end with it; whoever comes back goes through the portal again.
  await deleteWorkspaceSessions(db, row.ownerId, server);
  if (!stopping) return serverView((await findServer(db, user, server)) ?? row);
  await recordAudit(db, {
    actor: actor.name,
    action: opts.action ?? "server.stop",
    target: labelOf({ user, server }),
    detail: opts.reason ? { reason: opts.reason } : {},
  });
  const finish = finishStop(db, spawner, user, server, row.trackingTokenId, opts.reason);
  if (opts.wait) await finish;
  else void finish;
  return serverView(stopping);
}

async function finishStop(
  db: Db,
  spawner: Spawner,
  user: string,
  server: string,
  trackingTokenId: string | null,
  reason?: string,
): Promise<void> {
  try {
    await spawner.stop(workspaceRef({ user, server }));
    if (trackingTokenId) await revokeTokenById(db, trackingTokenId);
    await updateServer(db, user, server, {
      status: "stopped",
      phase: null,
      progress: 0,
      message: null,
      reason: reason ?? null,
      url: null,
      jupyterToken: null,
      trackingTokenId: null,
      stoppedAt: new Date(),
    });
  } catch (err) {
    // Left as "stopping": the reconcile loop finishes it once the engine answers again.
    console.error(`[atrium] stopping ${labelOf({ user, server })} failed:`, err);
  }
}

/**
 * Stops every active server of a person and waits until the engine has removed them (deleting the
 * person). Returns the servers that were active. Throws, having deleted nothing, when the engine
 * cannot be reached or a server is still active afterwards.
 */
export async function stopAllServersOf(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  owner: { id: string; name: string },
  reason: string,
): Promise<string[]> {
  const user = owner.name;
  const active = (await listServersOf(db, owner.id, allRows)).filter((r) => ACTIVE_STATES.includes(r.status));
  for (const row of active) await stopServer(db, spawner, actor, user, row.name, { reason, wait: true });
  const left = (await listServersOf(db, owner.id, allRows)).filter((r) => ACTIVE_STATES.includes(r.status));
  if (left.length > 0) {
    throw new ApiError(
      503,
      "engine_error",
      `The engine did not stop ${left.map((r) => labelOf({ user, server: r.name })).join(", ")}; try again in a minute.`,
    );
  }
  return active.map((r) => r.name);
}

/**
 * Removes a home volume once nothing uses it. A swarm removes a service's task container a few
 * seconds after the service, and the engine refuses (409) to remove a volume a container still
 * holds, so a refusal is retried for a while.
 */
export async function removeHomeVolume(spawner: Spawner, volume: string, waitMs = 20_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await spawner.removeVolume(volume);
      return;
    } catch (err) {
      if (err instanceof EngineUnavailableError) throw engineUnavailable();
      if (Date.now() >= deadline) {
        throw new ApiError(
          409,
          "volume_in_use",
          `The engine would not remove the volume ${volume}: ${err instanceof Error ? err.message : String(err)}`.replace(/\.?$/, "."),
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
