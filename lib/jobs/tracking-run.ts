/**
 * Each execution is an MLflow run (docs/jobs.md): in the experiment `jobs/<owner>/<job>`, owned by
 * the job's owner, with the parameters as params, the job, environment and image id as tags,
 * its end status and duration, and the log and executed notebook as artifacts. Through the tracking
 * layer's own operations and schemas, as a request would, never over HTTP.
 */
import { createReadStream } from "node:fs";
import type { Db } from "@/db/client";
import type { JobRow } from "@/db/queries/jobs";
import { findExperimentByName, findRun } from "@/db/queries/tracking";
import type { Principal } from "@/lib/auth/principal";
import { uploadArtifact } from "@/lib/artifacts/service";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { createExperiment } from "@/lib/tracking/experiments/operations";
import { experiments, runs } from "@/lib/tracking/http/schemas";
import { ENVIRONMENT_TAG, EXECUTION_TAG, IMAGE_ID_TAG, JOB_TAG, REASON_TAG } from "@/lib/tracking/runs/atrium-tags";
import { logBatch } from "@/lib/tracking/runs/data";
import { createRun, updateRun } from "@/lib/tracking/runs/operations";
import type { SpooledFile } from "./output-spool";

export function experimentNameOf(job: Pick<JobRow, "ownerName" | "name">): string {
  return `jobs/${job.ownerName}/${job.name}`;
}

/** The owner as the tracking layer sees her: runs and experiments are hers, not the portal's. */
export function ownerPrincipal(owner: { name: string; id: string; role: string }): Principal {
  return { name: owner.name, userId: owner.id, role: owner.role, admin: false, via: "token" };
}

async function experimentOf(db: Db, principal: Principal, job: JobRow) {
  const name = experimentNameOf(job);
  const found = await findExperimentByName(db, name);
  if (found) return found;
  await createExperiment({ db, principal }, experiments.create.parse({ name, tags: [{ key: JOB_TAG, value: job.id }] }));
  const made = await findExperimentByName(db, name);
  if (!made) throw new Error(`the experiment ${name} was not created`);
  return made;
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
