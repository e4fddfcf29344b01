import type { Db } from "@/db/client";
import { ACTIVE_STATES, listServersIn } from "@/db/queries/servers";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import type { Spawner } from "@/lib/spawner";
import { liveUseOf, sampleLiveUse } from "@/lib/usage/sample-stats";
import { stopServer } from "@/lib/workspaces/stop";
import { serverView, type ServerView } from "@/lib/workspaces/view";

const GIB = 1024 ** 3;

export interface AdminServerView extends ServerView {
  /** Live use from one engine reading; null when not running or the reading failed. */
  used: { cpu: number; memGb: number } | null;
}

/**
 * Every active workspace (pending, running, stopping) of every person, with live CPU and memory
 * read from the engine in parallel (see sampleLiveUse) when `live` is set.
 */
export async function listActiveServers(db: Db, spawner: Spawner, opts: { live: boolean }): Promise<AdminServerView[]> {
  const rows = await listServersIn(db, ACTIVE_STATES);
  const running = rows.filter((r) => r.status === "running").map((r) => ({ user: r.userName, server: r.name }));
  const uses = opts.live ? await sampleLiveUse(spawner, running) : new Map<string, never>();
  return rows.map((row) => {
    const use = liveUseOf(uses, { user: row.userName, server: row.name });
    return { ...serverView(row), used: use ? { cpu: use.cpu, memGb: use.memBytes / GIB } : null };
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
