import type { Db } from "@/db/client";
import { findExecution } from "@/db/queries/jobs";
import { nounOf, type ListedWorkload, type Spawner } from "@/lib/spawner";
import type { ReconcileReport } from "@/lib/workspaces/reconcile";

/**
 * Long enough for the finish that ended the row to have read the object's log and notebook
 * (output-spool.ts reads each within two minutes) and removed it itself.
 */
const FINISHED_GRACE_MS = 15 * 60_000;

/**
 * The job executions the engine holds against their rows (lib/workloads/reconcile.ts lists them):
 * the object of one that ended a while ago (a cancel whose removal failed, a crash mid-finish) is
 * removed. A running one is the scheduler's to watch and adopt (scheduler.ts); one this database
 * does not know may be another portal's on a shared engine and is left alone.
 */
export async function settleExecutions(
  db: Db,
  spawner: Spawner,
  listed: ListedWorkload[],
  report: ReconcileReport,
  now: number,
): Promise<void> {
  for (const c of listed) {
    const row = await findExecution(db, c.ref.id);
    if (!row) {
      if (c.status.state === "running") report.unknown.push(nounOf(c.ref));
      continue;
    }
    const ended = row.state !== "running" && row.state !== "queued";
    if (ended && now - (row.finishedAt?.getTime() ?? 0) > FINISHED_GRACE_MS) {
      await spawner.remove(c.ref);
      report.stopped.push(nounOf(c.ref));
    }
  }
}
