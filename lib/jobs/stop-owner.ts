/**
 * Deleting a person ends her executions first (lib/users/manage.ts): a running one is finished as
 * cancelled like a cancel (its object removed, its MLflow run closed as KILLED with the reason, its
 * token revoked), a queued one is cancelled, and each gets an audit entry with the reason, which
 * outlives the execution rows (they go with her jobs).
 */
import { listUnfinishedExecutionsOf } from "@/db/queries/jobs";
import { updateExecution } from "@/db/queries/jobs";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { finishExecution, type JobDeps } from "./execute";

/** Ends every queued or running execution of `owner`; returns the ids it ended. */
export async function stopExecutionsOf(deps: JobDeps, actor: Principal, owner: string, why: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const { execution, jobName } of await listUnfinishedExecutionsOf(deps.db, owner)) {
    const reason = `cancelled: ${why}`;
    const ended =
      execution.state === "queued"
        ? Boolean(await updateExecution(deps.db, execution.id, { state: "cancelled", reason, finishedAt: new Date() }, ["queued"]))
        : await finishExecution(deps, execution.id, { state: "cancelled", reason });
    if (!ended) continue; // it ended meanwhile by itself
    stopped.push(execution.id);
    await recordAudit(deps.db, {
      actor: actor.name,
      action: "job.cancel",
      target: `${owner}/${jobName}`,
      detail: { id: execution.jobId, execution: execution.id, reason },
    });
  }
  return stopped;
}
