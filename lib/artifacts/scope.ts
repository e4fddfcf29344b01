import type { Db } from "@/db/client";
import { findLoggedModel } from "@/db/queries/logged-models";
import { findExperiment, findRun } from "@/db/queries/tracking";
import { assertCan, can, loggedModelResource, runResource, type Caller, type Owner, type Resource } from "@/lib/auth/access";
import { badRequest, forbidden, notFound } from "@/lib/http/api-error";

/**
 * What an artifact path belongs to: a run (`<experiment_id>/<run_id>/artifacts/<rest...>`) or an MLflow 3
 * logged model (`<experiment_id>/models/<model_id>/artifacts/<rest...>`).
 */
export interface ArtifactScope {
  experimentId: string;
  /** The run or logged model the files belong to: who may change them (lib/auth/access.ts). */
  resource: Resource;
  /** Whose storage they count against: the run's or the logged model's creator. */
  owner: Owner;
  /** "run <id>" or "logged model <id>", for messages. */
  label: string;
  /** The segments after `artifacts`, i.e. the path inside the run's or model's artifacts. */
  inside: string[];
  /** The full store key of the path. */
  key: string;
}

const EXPERIMENT_ID = /^[0-9]{1,18}$/;
const RUN_ID = /^[0-9a-f]{32}$/;
const MODEL_ID = /^m-[0-9a-f]{32}$/;
const RUN_LAYOUT = "Artifact paths start with <experiment_id>/<run_id>/artifacts, as in a run's artifact_uri.";
const MODEL_LAYOUT = "Logged model artifact paths start with <experiment_id>/models/<model_id>/artifacts, as in the model's artifact_uri.";

/** A logged model's files: the path after the experiment is `models/<model_id>/artifacts/...`. */
async function resolveLoggedModelScope(db: Db, experimentId: string, rest: string[], key: string): Promise<ArtifactScope> {
  const [modelId, artifacts, ...inside] = rest;
  if (modelId === undefined || artifacts !== "artifacts" || !MODEL_ID.test(modelId)) throw badRequest("invalid_path", MODEL_LAYOUT);
  const model = await findLoggedModel(db, modelId);
  if (!model || String(model.experimentId) !== experimentId) {
    throw notFound("model_not_found", `There is no logged model ${modelId} in experiment ${experimentId}.`);
  }
  const resource = loggedModelResource(model, await findExperiment(db, model.experimentId));
  return { experimentId, resource, owner: { id: model.ownerId, name: model.creator }, label: `logged model ${modelId}`, inside, key };
}

/**
 * Maps a checked path to its run or logged model, so reads and writes have an owner to check; one the caller
 * may not read (lib/auth/access.ts) is not there for her. Paths outside an `artifacts` folder are refused:
 * artifact URIs are `mlflow-artifacts:/<experiment>/<run>/artifacts` for runs and
 * `mlflow-artifacts:/<experiment>/models/<model_id>/artifacts` for logged models.
 */
export async function resolveRunScope(db: Db, segments: string[], caller: Caller): Promise<ArtifactScope> {
  const scope = await scopeOf(db, segments);
  if (!can(caller, "read", scope.resource)) {
    const [kind, code] = scope.resource.kind === "run" ? ["run", "run_not_found"] : ["logged model", "model_not_found"];
    throw notFound(code, `There is no ${kind} ${scope.resource.id} in experiment ${scope.experimentId}.`);
  }
  return scope;
}

async function scopeOf(db: Db, segments: string[]): Promise<ArtifactScope> {
  const [experimentId, second, ...rest] = segments;
  if (experimentId === undefined || second === undefined || !EXPERIMENT_ID.test(experimentId)) throw badRequest("invalid_path", RUN_LAYOUT);
  const key = segments.join("/");
  if (second === "models") return resolveLoggedModelScope(db, experimentId, rest, key);
  const [artifacts, ...inside] = rest;
  if (artifacts !== "artifacts" || !RUN_ID.test(second)) throw badRequest("invalid_path", RUN_LAYOUT);
  const run = await findRun(db, second);
  if (!run || String(run.experimentId) !== experimentId) {
    throw notFound("run_not_found", `There is no run ${second} in experiment ${experimentId}.`);
  }
  return {
    experimentId,
    resource: runResource(run, await findExperiment(db, run.experimentId)),
    owner: { id: run.ownerId, name: run.userId },
    label: `run ${second}`,
    inside,
    key,
  };
}

/** Anyone signed in may read artifacts (as metrics); only the run's or model's creator or an admin may change them. */
export function assertArtifactWriter(principal: Caller, scope: ArtifactScope): void {
  assertCan(principal, "write", scope.resource, (r) => forbidden("forbidden", r.message), `change the artifacts of ${scope.label}`);
}
