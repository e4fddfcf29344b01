import type { Db } from "@/db/client";
import { liveReadings } from "@/lib/usage/live-readings";
import { findServer } from "@/db/queries/servers";
import { ApiError, conflict, notFound } from "@/lib/http/api-error";
import { OtherNodeError, NotRunningError, SpawnError, type Spawner } from "@/lib/spawner";
import { labelOf } from "./names";
import { reconcileServer } from "./reconcile";
import { engineUnavailable } from "./start";
import { workspaceRef } from "./workload";

const GIB = 1024 ** 3;
/** How old a reading the live meter may show: it asks every 5 s, so viewers of one server share one engine call. */
const LIVE_METER_MAX_AGE_MS = 4_000;

export interface ServerStats {
  /** Cores in use now (one sample). */
  cpu: number;
  memBytes: number;
  /** What the server was given: its CPU and memory allocation. */
  cpuLimit: number;
  memLimitBytes: number;
}

const notRunning = (user: string, server: string) =>
  conflict("server_not_running", `The server ${labelOf({ user, server })} is not running, so it uses nothing.`);

/**
 * Live CPU and memory use of a running server against what it was given: one engine sample (about a
 * second), or the process's reading of it when that is under LIVE_METER_MAX_AGE_MS old. 404 when there is no such server, 409 when it is not running, 503 when the
 * engine cannot be reached.
 */
export async function getServerStats(db: Db, spawner: Spawner, user: string, server: string): Promise<ServerStats> {
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${labelOf({ user, server })}.`);
  if (row.status !== "running") throw notRunning(user, server);
  let used: { cpu: number; memBytes: number };
  try {
    used = await liveReadings(spawner).fresh(spawner, workspaceRef({ user, server }), LIVE_METER_MAX_AGE_MS);
  } catch (err) {
    if (err instanceof NotRunningError) {
      // The row says running but the container is not (Jupyter's Shut Down, a crash): record it now.
      await reconcileServer(db, spawner, user, server).catch(() => undefined);
      throw notRunning(user, server);
    }
    if (err instanceof SpawnError && err.reason === "engine_unavailable") throw engineUnavailable();
    if (err instanceof OtherNodeError) throw new ApiError(501, "other_node", err.message);
    throw err;
  }
  return { cpu: used.cpu, memBytes: used.memBytes, cpuLimit: row.cpu, memLimitBytes: Math.round(row.memGb * GIB) };
}
