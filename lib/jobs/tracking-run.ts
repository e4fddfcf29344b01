/**
 * Each execution is an MLflow run (docs/jobs.md): in the experiment `jobs/<owner>/<job>`, owned by
 * the job's owner, with the parameters as params, the job, environment and image id as tags,
 * its end status and duration, and the log and executed notebook as artifacts. Through the tracking
 * layer's own operations and schemas, as a request would, never over HTTP.
 */
import { createReadStream } from "node:fs";
import type { Db } from "@/db/client";
import type { JobRow } from "@/db/queries/jobs";
import { findExperimentByName, findRun, insertExperiment } from "@/db/queries/tracking";
import type { UserRow } from "@/db/queries/users";
import { personPrincipal } from "@/lib/auth/principal";
import { can, experimentResource } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { conflict } from "@/lib/http/api-error";
import { uploadArtifact } from "@/lib/artifacts/service";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { runs } from "@/lib/tracking/http/schemas";
import { DEFAULT_ARTIFACT_ROOT } from "@/lib/tracking/runs/constants";
import { ENVIRONMENT_TAG, EXECUTION_TAG, IMAGE_ID_TAG, JOB_TAG, REASON_TAG } from "@/lib/tracking/runs/atrium-tags";
import { logBatch } from "@/lib/tracking/runs/data";
import { createRun, updateRun } from "@/lib/tracking/runs/operations";
import type { SpooledFile } from "./output-spool";

export function experimentNameOf(job: Pick<JobRow, "ownerName" | "name">): string {
  return `jobs/${job.ownerName}/${job.name}`;
}

/**
 * The owner as the tracking layer sees her, with her project roles and grants: runs and experiments are
 * hers, not the portal's; never an admin's powers, whoever owns the job.
 */
export async function ownerPrincipal(db: Db, owner: Pick<UserRow, "name" | "id" | "role" | "ssoGroups">): Promise<Principal> {
  return { ...(await personPrincipal(db, owner, "token")), admin: false };
}

const experimentTaken = (name: string) =>
  `the experiment "${name}" exists and its owner has not given this job's owner the right to write to it; rename the job or delete that experiment`;

/**
 * The job's experiment, made now (owned by the job's owner, in the job's project) unless it exists; one that
 * exists must be one the owner may write to. Anyone may create an experiment of any name, so without this
 * someone could make `jobs/<owner>/<job>` first and read every run, parameter and artifact the job logs.
 */
async function experimentOf(db: Db, principal: Principal, job: JobRow) {
  const name = experimentNameOf(job);
  const found =
    (await findExperimentByName(db, name)) ??
    (await insertExperiment(db, {
      name,
      owner: principal.name,
      ownerId: principal.userId ?? null,
      projectId: job.projectId,
      now: Date.now(),
      tags: [{ key: JOB_TAG, value: job.id }],
      defaultRoot: DEFAULT_ARTIFACT_ROOT,
    })) ??
    (await findExperimentByName(db, name));
  if (!found) throw new Error(`the experiment ${name} was not created`);
  if (!can(principal, "write", experimentResource(found))) throw new Error(experimentTaken(name));
  return found;
}

/**
 * Claims the job's experiment when the job is created or renamed: a 409 when someone else's is in the way, so
 * the owner hears it now rather than from a failed execution.
 */
export async function claimJobExperiment(db: Db, owner: UserRow, job: JobRow): Promise<void> {
  try {
    await experimentOf(db, await ownerPrincipal(db, owner), job);
  } catch (err) {
    const name = experimentNameOf(job);
    if (err instanceof Error && err.message === experimentTaken(name)) {
      throw conflict("experiment_taken", `The experiment "${name}" belongs to someone else; choose another name for the job.`);
    }
    throw err;
  }
}

/** Creates the run of an execution that is starting; returns its id and where its artifacts go. */
export async function openRun(
  db: Db,
  principal: Principal,
  job: JobRow,
  exec: { id: string; attempt: number },
  imageId: string | undefined,
): Promise<{ runId: string; experimentId: number }> {
  const exp = await experimentOf(db, principal, job);
  const tags = [
    { key: JOB_TAG, value: job.id },
    { key: EXECUTION_TAG, value: exec.id },
    { key: ENVIRONMENT_TAG, value: job.environmentId },
    ...(imageId ? [{ key: IMAGE_ID_TAG, value: imageId }] : []),
  ];
  const input = runs.create.parse({ experiment_id: String(exp.id), run_name: `${job.name} #${exec.attempt} ${exec.id}`, tags });
  const body = (await createRun({ db, principal }, input, exp)) as { run: { info: { run_id: string } } };
  const runId = body.run.info.run_id;
  const params = Object.entries(job.parameters).map(([key, value]) => ({ key, value }));
  const row = await findRun(db, runId);
  if (row && params.length > 0) await logBatch({ db, principal }, runs.logBatch.parse({ run_id: runId, params }), row);
  return { runId, experimentId: exp.id };
}

export type RunEnd = "FINISHED" | "FAILED" | "KILLED";

/** Ends the run with its status and a duration metric, and stores the files as its artifacts (streamed from disk). */
export async function closeRun(
  db: Db,
  principal: Principal,
  store: ArtifactStore,
  runId: string,
  end: { status: RunEnd; durationS: number; reason: string | null },
  files: SpooledFile[],
): Promise<void> {
  const row = await findRun(db, runId);
  if (!row) return; // deleted by its owner meanwhile
  const now = Date.now();
  const tags = end.reason ? [{ key: REASON_TAG, value: end.reason }] : [];
  await logBatch(
    { db, principal },
    runs.logBatch.parse({ run_id: runId, metrics: [{ key: "duration_s", value: end.durationS, timestamp: now, step: 0 }], tags }),
    row,
  );
  for (const f of files) {
    const segments = [String(row.experimentId), runId, "artifacts", f.name];
    await uploadArtifact({ db, principal, store }, segments, createReadStream(f.path) as AsyncIterable<Uint8Array>, f.size);
  }
  await updateRun({ db, principal }, runs.update.parse({ run_id: runId, status: end.status, end_time: now }), row);
}
