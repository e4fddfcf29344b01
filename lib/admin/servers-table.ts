import type { Db } from "@/db/client";
import { ACTIVE_STATES, listServersIn } from "@/db/queries/servers";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import type { Spawner } from "@/lib/spawner";
import { getConfig } from "@/lib/config";
import { keptReadings } from "@/lib/usage/live-readings";
import { stopServer } from "@/lib/workspaces/stop";
import { serverView, type ServerView } from "@/lib/workspaces/view";
import { workspaceRef } from "@/lib/workspaces/workload";

const GIB = 1024 ** 3;

export interface AdminServerView extends ServerView {
  /** Use at the usage sampler's latest engine reading (`at`, ISO); null when not running or not read yet. */
  used: { cpu: number; memGb: number; at: string } | null;
}

/**
 * Every active workspace (pending, running, stopping) of every person, with the CPU and memory the usage
 * sampler last read (lib/usage/live-readings.ts) when `live` is set. The engine is never asked per call:
 * a stats reading waits about two seconds per container. Readings older than two sampling intervals (a
 * replica that is not the leader, or a failing sampler) are refreshed in the background for the next call.
 */
export async function listActiveServers(db: Db, spawner: Spawner, opts: { live: boolean }): Promise<AdminServerView[]> {
  const rows = await listServersIn(db, ACTIVE_STATES);
  if (!opts.live) return rows.map((row) => ({ ...serverView(row), used: null }));
  const running = rows.filter((r) => r.status === "running").map((r) => workspaceRef({ user: r.userName, server: r.name }));
  const readings = keptReadings(spawner, running, 2 * getConfig().usageSampleMs);
  return rows.map((row) => {
    const use = row.status === "running" ? readings.of(workspaceRef({ user: row.userName, server: row.name })) : undefined;
    return {
      ...serverView(row),
      used: use ? { cpu: use.cpu, memGb: use.memBytes / GIB, at: new Date(use.at).toISOString() } : null,
    };
  });
}

export type StopOutcome =
  { user: string; server: string; ok: true; status: string } | { user: string; server: string; ok: false; message: string };

/**
 * Stops each listed server as `actor` (each recorded in the audit log by stopServer). One failure
 * does not stop the rest; each outcome says what happened.
 */
export async function stopServers(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  refs: { user: string; server: string }[],
): Promise<StopOutcome[]> {
  const outcomes: StopOutcome[] = [];
  for (const { user, server } of refs) {
    try {
      const view = await stopServer(db, spawner, actor, user, server);
      outcomes.push({ user, server, ok: true, status: view.status });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      outcomes.push({ user, server, ok: false, message: err.message });
    }
  }
  return outcomes;
}
