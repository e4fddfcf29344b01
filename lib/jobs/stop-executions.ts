/**
 * Deleting a job or a person ends the executions that would otherwise outlive their rows (the rows
 * go with the job, by cascade, and the leader only removes objects whose row it still finds): a
 * running one is finished as cancelled like a cancel (its object removed, its MLflow run closed as
 * KILLED with the reason, its token revoked), a queued one is cancelled, and each gets a
 * `job.cancel` audit entry with the reason, which outlives them.
 */
import { listUnfinishedExecutions, updateExecution } from "@/db/queries/jobs";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { finishExecution, type JobDeps } from "./execute";

/** Ends every queued or running execution of the person `ownerId` (of her job `jobId` only, when given); returns the ids it ended. */
export async function stopExecutions(
  deps: JobDeps,
  actor: Principal,
  which: { ownerId: string; jobId?: string },
  why: string,
): Promise<string[]> {
  const stopped: string[] = [];
  const reason = `cancelled: ${why}`;
  for (const { execution, jobName, ownerName } of await listUnfinishedExecutions(deps.db, which.ownerId, which.jobId)) {
    const ended =
      execution.state === "queued"
        ? Boolean(await updateExecution(deps.db, execution.id, { state: "cancelled", reason, finishedAt: new Date() }, ["queued"]))
        : await finishExecution(deps, execution.id, { state: "cancelled", reason });
    if (!ended) continue; // it ended by itself meanwhile
    stopped.push(execution.id);
    await recordAudit(deps.db, {
      actor: actor.name,
      action: "job.cancel",
      target: `${ownerName}/${jobName}`,
      detail: { id: execution.jobId, execution: execution.id, reason },
    });
  }
  return stopped;
}
