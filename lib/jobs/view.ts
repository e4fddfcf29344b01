import type { ExecutionRow, JobRow } from "@/db/queries/jobs";
import { nextTimes } from "./cron";
import { jobKindOf } from "./paths";

export function executionView(e: ExecutionRow) {
  const started = e.startedAt?.getTime();
  const finished = e.finishedAt?.getTime();
  return {
    id: e.id,
    jobId: e.jobId,
    attempt: e.attempt,
    cause: e.cause,
    state: e.state,
    reason: e.reason,
    exitCode: e.exitCode,
    scheduledFor: e.scheduledFor.toISOString(),
    createdAt: e.createdAt.toISOString(),
    startedAt: e.startedAt?.toISOString() ?? null,
    finishedAt: e.finishedAt?.toISOString() ?? null,
    durationS: started !== undefined && finished !== undefined ? Math.round((finished - started) / 100) / 10 : null,
    requestedBy: e.requestedBy,
    mlflowRunId: e.mlflowRunId,
  };
}
export type ExecutionView = ReturnType<typeof executionView>;

export function triggerOf(job: JobRow) {
  if (job.trigger === "cron") return { kind: "cron" as const, cron: job.cron ?? "", timeZone: job.timeZone ?? "UTC" };
  if (job.trigger === "after") return { kind: "after" as const, jobId: job.afterJobId ?? "" };
  return { kind: "manual" as const };
}

export function nextRunOf(job: JobRow, now = new Date()): string | null {
  if (job.trigger !== "cron" || job.paused || !job.cron) return null;
  try {
    return nextTimes(job.cron, job.timeZone ?? "UTC", 1, now)[0]?.toISOString() ?? null;
  } catch {
    return null; // stored before a rule changed; the edit form says why
  }
}

export function jobView(job: JobRow, last?: ExecutionRow) {
  return {
    id: job.id,
    owner: job.ownerName,
    name: job.name,
    path: job.path,
    kind: jobKindOf(job.path),
    environment: job.environmentId,
    cpu: job.cpu,
    memGb: job.memGb,
    parameters: job.parameters,
    timeoutS: job.timeoutS,
    retries: job.retries,
    trigger: triggerOf(job),
    paused: job.paused,
    nextRun: nextRunOf(job),
    lastExecution: last ? executionView(last) : null,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}
export type JobView = ReturnType<typeof jobView>;
