import type { Db } from "@/db/client";
import { listServersIn, updateServer, type ServerRow } from "@/db/queries/servers";
import { SYSTEM_PRINCIPAL } from "@/lib/auth/principal";
import { metrics } from "@/lib/metrics/registry";
import type { Spawner } from "@/lib/spawner";
import { baseUrlOf } from "./names";
import { stopServer } from "./stop";

interface JupyterActivity {
  lastActivity: Date | null;
  busy: boolean;
}

/** Jupyter's own view: the newest activity it saw and whether any kernel is executing right now. */
async function readJupyterActivity(row: ServerRow): Promise<JupyterActivity | null> {
  if (!row.url || !row.jupyterToken) return null;
  const base = `${row.url}${baseUrlOf({ user: row.userName, server: row.name })}`;
  const headers = { authorization: `token ${row.jupyterToken}` };
  try {
    const [status, kernels] = await Promise.all([
      fetch(`${base}api/status`, { headers, signal: AbortSignal.timeout(3000) }).then(
        (r) => r.json() as Promise<{ last_activity?: string }>,
      ),
      fetch(`${base}api/kernels`, { headers, signal: AbortSignal.timeout(3000) }).then(
        (r) => r.json() as Promise<{ execution_state?: string; last_activity?: string }[]>,
      ),
    ]);
    const stamps = [status.last_activity, ...kernels.map((k) => k.last_activity)]
      .filter((s): s is string => typeof s === "string")
      .map((s) => new Date(s).getTime());
    return {
      lastActivity: stamps.length ? new Date(Math.max(...stamps)) : null,
      // Jupyter Server sometimes never connects its activity stream to a new kernel, and then reports
      // it as "starting" for good while the kernel computes. Not knowing means not idle: a server kept
      // too long costs CPU, a culled one costs someone's work.
      busy: kernels.some((k) => k.execution_state === "busy" || k.execution_state === "starting"),
    };
  } catch {
    return null;
  }
}

/**
 * Stops servers idle longer than the timeout. A kernel that is busy counts as activity, so a long
 * silent computation is never culled; an open but idle tab is.
 */
export async function cullIdleServers(db: Db, spawner: Spawner, timeoutMin: number, now = new Date()): Promise<string[]> {
  if (timeoutMin <= 0) return [];
  const culled: string[] = [];
  for (const row of await listServersIn(db, ["running"])) {
    const jupyter = await readJupyterActivity(row);
    if (!jupyter) continue;
    const last = Math.max(row.lastActivity?.getTime() ?? 0, jupyter.lastActivity?.getTime() ?? 0, jupyter.busy ? now.getTime() : 0);
    if (last > (row.lastActivity?.getTime() ?? 0))
      await updateServer(db, row.userName, row.name, { lastActivity: new Date(last) }, ["running"]);
    const idleMin = (now.getTime() - last) / 60_000;
    if (idleMin >= timeoutMin) {
      await stopServer(db, spawner, SYSTEM_PRINCIPAL, row.userName, row.name, {
        action: "server.cull",
        reason: `idle for ${Math.floor(idleMin)} minutes`,
        wait: true,
      });
      culled.push(`${row.userName}/${row.name}`);
      metrics().culls.inc();
    }
  }
  return culled;
}
