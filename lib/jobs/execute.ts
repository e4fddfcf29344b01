/**
 * Running one execution (docs/jobs.md): launch (claim the owner's quota and an MLflow token in one
 * transaction, open the MLflow run, start the object through the Spawner), watch (until it ends, or
 * its timeout), finish (whoever moves the row out of `running` first revokes the token, spools the
 * log and the executed notebook to the spool under the data dir, removes the object, closes the run with them
 * as artifacts, and queues a retry or the jobs that follow it). Only the leader launches and
 * watches (scheduler.ts); a cancel may finish from any replica, and the conditional update decides
 * between them.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { findExecution, findJob, insertExecution, listFollowers, updateExecution, type ExecutionRow, type JobRow } from "@/db/queries/jobs";
import { findUserById, lockUserById } from "@/db/queries/users";
import type { ExecutionState } from "@/db/schema";
import { SYSTEM_PRINCIPAL } from "@/lib/auth/principal";
import type { ArtifactStore } from "@/lib/artifacts/store";
import type { Spawner, WorkloadStatus } from "@/lib/spawner";
import { insertApiToken, revokeTokenById } from "@/lib/tokens/manage";
import { portalEnv } from "@/lib/workspaces/portal-env";
import { executionArgv } from "./command";
import { spoolOutput } from "./output-spool";
import { quotaVerdict } from "./quota";
import { closeRun, openRun, ownerPrincipal, type RunEnd } from "./tracking-run";
import { executionRef, executionSpec } from "./workload";

export interface JobDeps {
  db: Db;
  spawner: Spawner;
  store: ArtifactStore;
  /** The environment every execution gets on top of its own (tests point MLflow at their own server). */
  env?: (base: Record<string, string>) => Record<string, string>;
  pollMs?: number;
  /** Where a job's log is cut (ATRIUM_JOB_LOG_MAX_MIB; DEFAULT_JOB_LOG_MAX_BYTES in output-spool.ts). */
  logMaxBytes?: number;
  /** Where an ended execution's output waits for its upload (config `jobs.spoolDir`, under ATRIUM_DATA_DIR). */
  spoolDir: string;
}

export function newExecutionId(): string {
  return `jex_${randomBytes(10).toString("hex")}`;
}

/** Inserts a queued execution unless its run key is taken (then undefined: someone else has it). */
export function queueExecution(
  db: Db,
  job: JobRow,
  what: {
    runKey: string;
    cause: ExecutionRow["cause"];
    scheduledFor: Date;
    attempt?: number;
    requestedBy?: string | null;
    reason?: string;
  },
): Promise<ExecutionRow | undefined> {
  return insertExecution(db, {
    id: newExecutionId(),
    jobId: job.id,
    runKey: what.runKey,
    attempt: what.attempt ?? 1,
    cause: what.cause,
    scheduledFor: what.scheduledFor,
    state: "queued",
    cpu: job.cpu,
    memGb: job.memGb,
    requestedBy: what.requestedBy ?? null,
    reason: what.reason ?? null,
  });
}

type Outcome = { state: Exclude<ExecutionState, "queued" | "running">; reason: string | null; exitCode?: number | null };

/**
 * Claims the owner's quota and starts the execution's object. Returns false when the row was not
 * queued (another launch got it), when it waits for quota (it stays queued, the reason says why),
 * or when it could not start (then it is finished as failed).
 */
export async function launchExecution(deps: JobDeps, executionId: string): Promise<boolean> {
  const { db, spawner } = deps;
  const claimed = await db.transaction(async (tx) => {
    const exec = await findExecution(tx, executionId);
    const job = exec ? await findJob(tx, exec.jobId) : undefined;
    if (!exec || !job || exec.state !== "queued") return undefined;
    const owner = await lockUserById(tx, job.ownerId);
    const env = await findEnvironment(tx, job.environmentId);
    const fail = async (reason: string) => {
      await updateExecution(tx, exec.id, { state: "failed", reason, finishedAt: new Date() }, ["queued"]);
      return undefined;
    };
    if (!owner) return fail("not started: the owner no longer exists");
    if (!env) return fail(`not started: the environment "${job.environmentId}" no longer exists`);
    const verdict = await quotaVerdict(tx, owner, { cpu: exec.cpu, memGb: exec.memGb, projectId: job.projectId });
    if (!verdict.fits && verdict.never) return fail(`not started: ${verdict.reason.replace(/\.$/, "")}`);
    if (!verdict.fits) {
      if (exec.reason !== verdict.reason) await updateExecution(tx, exec.id, { reason: verdict.reason }, ["queued"]);
      return undefined;
    }
    const token = await insertApiToken(tx, SYSTEM_PRINCIPAL, owner, {
      kind: "workspace",
      scopes: ["mlflow"],
      note: `MLflow token of job execution ${exec.id}`,
      audit: false,
    });
    const running = await updateExecution(tx, exec.id, { state: "running", reason: null, startedAt: new Date(), tokenId: token.id }, [
      "queued",
    ]);
    if (!running) return undefined;
    return { exec: running, job, owner, env, token, pids: verdict.limits.maxPids, project: verdict.project?.name };
  });
  if (!claimed) return false;
  const { exec, job, owner, env, token, pids, project } = claimed;
  try {
    const image = await spawner.imageInfo(env.image);
    if (!image.present) throw new Error(`the image "${env.image}" is not on the engine; an admin has to build or pull it`);
    const run = await openRun(db, await ownerPrincipal(db, owner), job, exec, image.id);
    await updateExecution(db, exec.id, { mlflowRunId: run.runId, imageId: image.id ?? null }, ["running"]);
    const base = portalEnv({ user: owner.name, environment: env.id, image: env.image, trackingToken: token.token, project });
    const extra = {
      MLFLOW_RUN_ID: run.runId,
      MLFLOW_EXPERIMENT_ID: String(run.experimentId),
      ATRIUM_JOB: job.name,
      ATRIUM_JOB_ID: job.id,
      ATRIUM_EXECUTION: exec.id,
    };
    await spawner.start(
      executionSpec({
        executionId: exec.id,
        jobId: job.id,
        owner,
        environment: env,
        argv: executionArgv(job.path, job.parameters),
        cpu: exec.cpu,
        memGb: exec.memGb,
        pids,
        env: deps.env ? deps.env({ ...base, ...extra }) : { ...base, ...extra },
      }),
    );
    return true;
  } catch (err) {
    await finishExecution(deps, exec.id, {
      state: "failed",
      reason: `could not start: ${err instanceof Error ? err.message : String(err)}`,
    });
    return false;
  }
}

function outcomeOf(status: WorkloadStatus): Outcome | undefined {
  if (status.state === "running") return undefined;
  if (status.state === "succeeded") return { state: "succeeded", reason: "exited with code 0", exitCode: 0 };
  if (status.state === "missing" || status.state === "stopped")
    return { state: "failed", reason: "its container disappeared (removed outside Atrium?)" };
  return { state: "failed", reason: status.reason, exitCode: status.exitCode ?? null };
}

/** Polls the execution's object until it ends, its timeout passes or its row leaves `running`. */
export async function watchExecution(deps: JobDeps, executionId: string, signal?: AbortSignal): Promise<void> {
  const pollMs = deps.pollMs ?? 1000;
  for (;;) {
    if (signal?.aborted) return;
    const exec = await findExecution(deps.db, executionId);
    if (!exec || exec.state !== "running") return;
    const job = await findJob(deps.db, exec.jobId);
    const startedAt = exec.startedAt?.getTime() ?? Date.now();
    const timeoutS = job?.timeoutS ?? Number.POSITIVE_INFINITY;
    if (Date.now() - startedAt > timeoutS * 1000) {
      await finishExecution(deps, executionId, { state: "timed_out", reason: `timed out after ${timeoutS} s` });
      return;
    }
    const outcome = outcomeOf(await deps.spawner.status(executionRef(executionId)));
    if (outcome) {
      await finishExecution(deps, executionId, outcome);
      return;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const RUN_END: Record<Outcome["state"], RunEnd> = { succeeded: "FINISHED", failed: "FAILED", timed_out: "FAILED", cancelled: "KILLED" };

/**
 * Ends an execution with `outcome` if it is still queued or running; the caller whose update wins
 * does the rest. Returns whether this call finished it.
 */
export async function finishExecution(deps: JobDeps, executionId: string, outcome: Outcome): Promise<boolean> {
  const { db, spawner } = deps;
  const now = new Date();
  const done = await updateExecution(
    db,
    executionId,
    { state: outcome.state, reason: outcome.reason, exitCode: outcome.exitCode ?? null, finishedAt: now },
    ["queued", "running"],
  );
  if (!done) return false;
  // The token goes first: nothing the object still does reaches MLflow while its output is collected.
  if (done.tokenId) await revokeTokenById(db, done.tokenId);
  const job = await findJob(db, done.jobId);
  const owner = job ? await findUserById(db, job.ownerId) : undefined;
  if (done.startedAt) {
    // Read while the object exists, then the object goes, then the upload (which may be slow) runs.
    const output = await spoolOutput(deps, done, job);
    try {
      await spawner
        .remove(executionRef(executionId))
        .catch((err: unknown) => console.warn(`[atrium] could not remove job execution ${executionId}:`, err));
      if (done.mlflowRunId && owner) {
        const durationS = (now.getTime() - done.startedAt.getTime()) / 1000;
        await closeRun(
          db,
          await ownerPrincipal(db, owner),
          deps.store,
          done.mlflowRunId,
          { status: RUN_END[outcome.state], durationS, reason: outcome.reason },
          output.files,
        ).catch((err: unknown) => console.warn(`[atrium] could not close the MLflow run of job execution ${executionId}:`, err));
      }
    } finally {
      await output.dispose();
    }
  }
  if (job) await queueNext(db, job, done);
  return true;
}

/** A retry of a failed or timed-out execution while attempts are left; the followers of a success. */
async function queueNext(db: Db, job: JobRow, done: ExecutionRow): Promise<void> {
  if ((done.state === "failed" || done.state === "timed_out") && done.attempt <= job.retries) {
    const base = done.runKey.replace(/#\d+$/, "");
    await queueExecution(db, job, {
      runKey: `${base}#${done.attempt + 1}`,
      cause: "retry",
      scheduledFor: new Date(),
      attempt: done.attempt + 1,
    });
  }
  if (done.state === "succeeded") {
    for (const next of await listFollowers(db, job.id)) {
      if (next.ownerName !== job.ownerName) continue;
      await queueExecution(db, next, { runKey: `${next.id}@after:${done.id}`, cause: "after", scheduledFor: new Date() });
    }
  }
}
