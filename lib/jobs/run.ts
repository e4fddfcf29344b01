/**
 * What a person does with executions: run a job now, cancel an execution, list a job's history,
 * read an execution's log (live while it runs). Launching is the leader's (scheduler.ts); a cancel
 * finishes the execution here, on whichever replica took the request.
 */
import type { Db } from "@/db/client";
import { findRun } from "@/db/queries/tracking";
import { findExecution, listExecutions, updateExecution, type ExecutionRow, type JobRow } from "@/db/queries/jobs";
import { findUserById } from "@/db/queries/users";
import type { Action } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { recordAudit } from "@/lib/audit/record";
import { conflict, notFound } from "@/lib/http/api-error";
import { finishExecution, newExecutionId, queueExecution, type JobDeps } from "./execute";
import { jobFor } from "./manage";
import { DEFAULT_JOB_LOG_MAX_BYTES, jobLogLimit } from "./output-spool";
import { assertCanEverRun } from "./quota";
import { executionView, type ExecutionView } from "./view";
import { executionRef } from "./workload";

/** A live log is followed for the job's timeout and this much longer (the finish takes a moment). */
const LIVE_LOG_GRACE_S = 60;

/**
 * Queues an execution now, paused or not (pausing stops only the schedule). A 403 when the job alone
 * is more than its owner's role allows; when it only does not fit beside what she runs now, it is
 * queued with the reason it waits (docs/jobs.md, "Quota").
 */
export async function runJobNow(db: Db, principal: Principal, jobId: string): Promise<ExecutionView> {
  return db.transaction(async (tx) => {
    const job = await jobFor(tx, principal, jobId, "operate");
    const verdict = await assertCanEverRun(tx, await findUserById(tx, job.ownerId), job);
    const key = newExecutionId(); // a manual run is its own slot
    const row = await queueExecution(tx, job, {
      runKey: `${job.id}@manual:${key}`,
      cause: "manual",
      scheduledFor: new Date(),
      requestedBy: principal.name,
      ...(verdict.fits ? {} : { reason: verdict.reason }),
    });
    if (!row) throw new Error("a fresh run key was taken");
    await recordAudit(tx, {
      actor: principal.name,
      action: "job.run",
      target: `${job.ownerName}/${job.name}`,
      detail: { id: job.id, execution: row.id },
    });
    return executionView(row);
  });
}

async function executionOf(
  db: Db,
  principal: Principal,
  jobId: string,
  executionId: string,
  action: Action = "read",
): Promise<{ job: JobRow; exec: ExecutionRow }> {
  const job = await jobFor(db, principal, jobId, action);
  const exec = await findExecution(db, executionId);
  if (!exec || exec.jobId !== jobId) throw notFound("execution_not_found", `Job ${jobId} has no execution "${executionId}".`);
  return { job, exec };
}

export async function cancelExecution(deps: JobDeps, principal: Principal, jobId: string, executionId: string): Promise<ExecutionView> {
  const { job, exec } = await executionOf(deps.db, principal, jobId, executionId, "operate");
  if (exec.state !== "queued" && exec.state !== "running") {
    throw conflict("execution_ended", `The execution ${executionId} has already ended (${exec.state}).`);
  }
  const reason = `cancelled by ${principal.name}`;
  const finished =
    exec.state === "queued"
      ? Boolean(await updateExecution(deps.db, exec.id, { state: "cancelled", reason, finishedAt: new Date() }, ["queued"]))
      : await finishExecution(deps, exec.id, { state: "cancelled", reason });
  if (!finished) throw conflict("execution_ended", `The execution ${executionId} ended before it could be cancelled.`);
  await recordAudit(deps.db, {
    actor: principal.name,
    action: "job.cancel",
    target: `${job.ownerName}/${job.name}`,
    detail: { id: jobId, execution: executionId, reason },
  });
  const row = await findExecution(deps.db, exec.id);
  return executionView(row ?? exec);
}

export async function listExecutionsFor(db: Db, principal: Principal, jobId: string, limit = 50): Promise<ExecutionView[]> {
  await jobFor(db, principal, jobId);
  return (await listExecutions(db, jobId, limit)).map(executionView);
}

export async function getExecution(db: Db, principal: Principal, jobId: string, executionId: string): Promise<ExecutionView> {
  return executionView((await executionOf(db, principal, jobId, executionId)).exec);
}

/**
 * The log lines of an execution: followed while it runs (as long as its timeout, and to the log's
 * cap, like the log that is kept), as it stands once it ended (the object is then gone: the log is
 * the run's artifact, see the `log` route). No lines when there is no object.
 */
export async function executionLogLines(
  deps: JobDeps,
  principal: Principal,
  jobId: string,
  executionId: string,
): Promise<{ state: ExecutionRow["state"]; lines: AsyncIterable<string> }> {
  const { job, exec } = await executionOf(deps.db, principal, jobId, executionId);
  const follow = exec.state === "running";
  const limit = jobLogLimit(deps.logMaxBytes ?? DEFAULT_JOB_LOG_MAX_BYTES, (job.timeoutS + LIVE_LOG_GRACE_S) * 1000);
  return { state: exec.state, lines: await deps.spawner.logs(executionRef(exec.id), { follow, limit }) };
}

/** The log of an ended execution as its MLflow run keeps it (job.log), streamed; null when there is none. */
export async function storedLog(
  deps: JobDeps,
  principal: Principal,
  jobId: string,
  executionId: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const { exec } = await executionOf(deps.db, principal, jobId, executionId);
  const run = exec.mlflowRunId ? await findRun(deps.db, exec.mlflowRunId) : undefined;
  if (!run) return null;
  const file = await deps.store.open(`${run.experimentId}/${run.runUuid}/artifacts/job.log`);
  return file ? file.stream : null;
}

/**
 * An ended execution's stored log as the same events a live one sends, then its end: a page that asked
 * for the live log just as the execution ended gets it all the same (no text/plain to an EventSource).
 */
export async function* endedLogEvents(
  deps: JobDeps,
  principal: Principal,
  exec: { id: string; state: string; reason: string | null },
  jobId: string,
): AsyncGenerator<{ line: string } | { state: string; reason: string | null }> {
  const stored = await storedLog(deps, principal, jobId, exec.id);
  if (stored) {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const bytes of Readable.fromWeb(stored as NodeReadableStream<Uint8Array>) as AsyncIterable<Uint8Array>) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) yield { line };
    }
    if (rest) yield { line: rest };
  }
  yield { state: exec.state, reason: exec.reason };
}

/** Live log events of an execution: its lines while it runs, then its end. */
export async function* liveLogEvents(
  deps: JobDeps,
  principal: Principal,
  jobId: string,
  executionId: string,
  signal: AbortSignal,
): AsyncGenerator<{ line: string } | { state: string; reason: string | null }> {
  const { lines } = await executionLogLines(deps, principal, jobId, executionId);
  for await (const line of lines) {
    if (signal.aborted) return;
    yield { line };
  }
  // The object ends before its row: wait a moment for the finish to be recorded.
  for (let i = 0; i < 40 && !signal.aborted; i++) {
    const exec = await findExecution(deps.db, executionId);
    if (exec && exec.state !== "running" && exec.state !== "queued") {
      yield { state: exec.state, reason: exec.reason };
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
