import { deleteExpiredSessions } from "@/db/queries/sessions";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { reconcileServing, servingDepsOf } from "@/lib/serving/reconcile";
import { startLoop } from "@/lib/util/loop";
import { cullIdleServers } from "@/lib/workspaces/cull";
import { reconcileWorkloads } from "./reconcile";

/**
 * Reconcile every kind at start and every 30 s; remove idle personal networks and cull idle workspaces on the same
 * beat. Serving endpoints' rollouts, failures and scale to zero on a short tick of their own (ATRIUM_SERVING_TICK_S,
 * lib/serving/reconcile.ts). Returns a function that stops both loops.
 */
export function startWorkloadLoops(intervalMs = 30_000): () => void {
  const stopServing = startLoop("serving loop", getConfig().serving.tickMs, async () => {
    await reconcileServing(servingDepsOf(await getDb(), getSpawner()));
  });
  const stopWorkloads = startLoop("workload loop", intervalMs, async () => {
    const db = await getDb();
    const spawner = getSpawner();
    const report = await reconcileWorkloads(db, spawner);
    if (report === null) console.warn("[atrium] reconcile skipped: the container engine is not reachable");
    else {
      for (const key of report.failed) console.warn(`[atrium] ${key} failed while nobody watched`);
      for (const key of report.unknown)
        console.warn(`[atrium] the object of ${key} carries Atrium labels but no row claims it; left running`);
      for (const key of report.orphaned) console.warn(`[atrium] removed the object of ${key}: its user was deleted`);
    }
    const idle = await spawner.removeIdleNetworks?.().catch((err: unknown) => {
      console.warn(`[atrium] idle networks not removed: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    });
    for (const name of idle ?? []) console.log(`[atrium] removed the network ${name}: its owner has no workload left`);
    await deleteExpiredSessions(db);
    const culled = await cullIdleServers(db, spawner, getConfig().idleTimeoutMin);
    for (const key of culled) console.log(`[atrium] culled idle server ${key}`);
  });
  return () => {
    stopServing();
    stopWorkloads();
  };
}
