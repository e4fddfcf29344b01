import type { Db } from "@/db/client";
import { findRun } from "@/db/queries/tracking";
import type { Principal } from "@/lib/auth/principal";
import { badRequest, forbidden, notFound } from "@/lib/http/api-error";

/** The run an artifact path belongs to: `<experiment_id>/<run_id>/artifacts/<rest...>`. */
export interface RunArtifactScope {
  experimentId: string;
  runId: string;
  owner: string;
  /** The segments after `artifacts`, i.e. the path inside the run's artifacts. */
  inside: string[];
  /** The full store key of the path. */
  key: string;
}

const EXPERIMENT_ID = /^[0-9]{1,18}$/;
const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * Maps a checked path to its run, so reads and writes have an owner to check. Paths outside a run's
 * `artifacts` folder are refused: runs' artifact_uri is `mlflow-artifacts:/<experiment>/<run>/artifacts`.
 */
export async function resolveRunScope(db: Db, segments: string[]): Promise<RunArtifactScope> {
  const [experimentId, runId, artifacts, ...inside] = segments;
  if (experimentId === undefined || runId === undefined || artifacts !== "artifacts" || !EXPERIMENT_ID.test(experimentId) || !RUN_ID.test(runId)) {
    throw badRequest("invalid_path", "Artifact paths start with <experiment_id>/<run_id>/artifacts, as in a run's artifact_uri.");
  }
  const run = await findRun(db, runId);
  if (!run || String(run.experimentId) !== experimentId) {
    throw notFound("run_not_found", `There is no run ${runId} in experiment ${experimentId}.`);
  }
  return { experimentId, runId, owner: run.userId, inside, key: segments.join("/") };
}

/** Anyone signed in may read a run's artifacts (as its metrics); only its owner or an admin may change them. */
export function assertArtifactWriter(principal: Principal, scope: RunArtifactScope): void {
  if (principal.admin || principal.name === scope.owner) return;
  throw forbidden("forbidden", `Only ${scope.owner} or an admin may change the artifacts of run ${scope.runId}.`);
}
