import type { Db } from "@/db/client";
import { findServer, listServersIn, updateServer, type ServerRow } from "@/db/queries/servers";
import { SYSTEM_PRINCIPAL } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";
import type { ListedWorkload, Spawner, WorkloadStatus } from "@/lib/spawner";
import { revokeTokenById } from "@/lib/tokens/manage";
import { labelOf, type ServerRef } from "./names";
import { forgetWorkspaceTarget } from "./target";
import { serverOf, workspaceRef } from "./workload";

/** A workspace the engine runs, as list() found it. */
type ListedServer = ListedWorkload & { server: ServerRef };

/** What one reconcile did (lib/workloads/reconcile.ts), in the words each kind reports in. */
export interface ReconcileReport {
  adopted: string[];
  stopped: string[];
  failed: string[];
  /** Objects with Atrium's labels that no row claims: reported, never killed. */
  unknown: string[];
  /** Objects of people who were deleted (their id is in deleted_users): removed. */
  orphaned: string[];
}

export const emptyReport = (): ReconcileReport => ({ adopted: [], stopped: [], failed: [], unknown: [], orphaned: [] });

const ENDED = { url: null, jupyterToken: null, trackingTokenId: null, phase: null, progress: 0, message: null };

async function end(
  db: Db,
  spawner: Spawner,
  row: ServerRow,
  status: "stopped" | "failed",
  reason: string,
  report: ReconcileReport,
): Promise<void> {
  const ref = { user: row.userName, server: row.name };
  await spawner.remove(workspaceRef(ref)).catch(() => undefined);
  if (row.trackingTokenId) await revokeTokenById(db, row.trackingTokenId).catch(() => undefined);
  const done = await updateServer(db, row.userName, row.name, { ...ENDED, status, reason, stoppedAt: new Date() }, [row.status]);
  forgetWorkspaceTarget(db, row.userName, row.name);
  if (!done) return;
  if (status === "failed")
    await recordAudit(db, { actor: SYSTEM_PRINCIPAL.name, action: "server.fail", target: labelOf(ref), detail: { reason } });
  (status === "failed" ? report.failed : report.stopped).push(labelOf(ref));
}

/**
 * Jupyter's File > Shut Down (POST api/shutdown) ends the server, and with it the container, with
 * exit code 0; a crash, a kill or the OOM killer never exit 0. So a clean exit is the owner's stop.
 */
function quitFromJupyter(status: WorkloadStatus): boolean {
  return status.state === "failed" && status.exitCode === 0 && !status.oomKilled;
}

/** A running row against its container (undefined: none): adopted, or ended with why. */
async function settleRunning(
  db: Db,
  spawner: Spawner,
  row: ServerRow,
  c: { status: WorkloadStatus; url?: string } | undefined,
  report: ReconcileReport,
): Promise<void> {
  if (!c) {
    await end(db, spawner, row, "stopped", "the container disappeared from the engine", report);
  } else if (c.status.state === "running") {
    if (c.url && c.url !== row.url) {
      await updateServer(db, row.userName, row.name, { url: c.url }, ["running"]);
      forgetWorkspaceTarget(db, row.userName, row.name);
    }
    report.adopted.push(labelOf({ user: row.userName, server: row.name }));
  } else if (quitFromJupyter(c.status)) {
    await end(db, spawner, row, "stopped", "stopped from Jupyter", report);
  } else {
    const reason = c.status.state === "failed" ? c.status.reason : "the container stopped";
    await end(db, spawner, row, "failed", reason, report);
  }
}

/**
 * One running server against the engine now, not at the next reconcile (every 30 s): the proxy asks when
 * the workspace stops answering, the stats poll when its container is not running. What it did, or null
 * when the row is not running or the engine cannot be reached.
 */
export async function reconcileServer(db: Db, spawner: Spawner, user: string, server: string): Promise<ReconcileReport | null> {
  const row = await findServer(db, user, server);
  if (row?.status !== "running") return null;
  let status: WorkloadStatus;
  try {
    status = await spawner.status(workspaceRef({ user, server }));
  } catch {
    return null;
  }
  const report = emptyReport();
  const gone = status.state === "stopped" || status.state === "missing";
  await settleRunning(db, spawner, row, gone ? undefined : { status }, report);
  return report;
}

/**
 * The workspaces the engine runs against what Postgres says (lib/workloads/reconcile.ts lists them).
 * The engine is the truth for "is it running": running containers are adopted (a portal restart
 * never stops a workspace), dead ones become stopped or failed with their reason.
 */
export async function settleWorkspaces(
  db: Db,
  spawner: Spawner,
  all: ListedWorkload[],
  report: ReconcileReport,
  now: number,
): Promise<void> {
  const listed = all.flatMap((c) => {
    const server = serverOf(c);
    return server ? [{ ...c, server }] : [];
  });
  // Two containers can carry one server's labels (one under the name from before injective names, or
  // another portal's on a shared engine): a row takes the one at the URL it recorded, else the first.
  const byKey = new Map<string, ListedServer[]>();
  for (const c of listed) byKey.set(labelOf(c.server), [...(byKey.get(labelOf(c.server)) ?? []), c]);
  const rows = await listServersIn(db, ["pending", "running", "stopping"]);
  const claimed = new Set(rows.map((r) => labelOf({ user: r.userName, server: r.name })));
  const graceMs = (getConfig().spawnTimeoutS + 30) * 1000;

  for (const row of rows) {
    const key = labelOf({ user: row.userName, server: row.name });
    const candidates = byKey.get(key) ?? [];
    const c = candidates.find((x) => x.url !== undefined && x.url === row.url) ?? candidates[0];
    if (row.status === "pending") {
      // Another process may still be spawning it; only a start older than the timeout is abandoned.
      if (now - row.requestedAt.getTime() > graceMs)
        await end(db, spawner, row, "failed", "the portal restarted while the server was starting", report);
      continue;
    }
    if (row.status === "stopping") {
      if (c?.status.state === "running") await spawner.stop(c.ref).catch(() => undefined);
      await end(db, spawner, row, "stopped", row.reason ?? "stopped", report);
      continue;
    }
    await settleRunning(db, spawner, row, c, report);
  }
  for (const c of listed) {
    const key = labelOf(c.server);
    if (!claimed.has(key) && c.status.state === "running") report.unknown.push(key);
  }
}
