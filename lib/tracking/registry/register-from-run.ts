/**
 * Registering a model from the portal's run page: only a location that holds an MLflow model (an `MLmodel`
 * file) becomes a version. The MLflow REST route stays as permissive as MLflow's own create_model_version,
 * which never looks at the files (stock clients register sources outside this store too); the page goes
 * through this check first, then through the same MLflow operations (docs/mlflow-rest.md).
 */
import type { Db } from "@/db/client";
import { can, runResource } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { conflict, notFound } from "@/lib/http/api-error";
import { findExperiment, findRun } from "@/db/queries/tracking";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { modelKeyOf } from "@/lib/serving/bundle";
import { appendToUriPath } from "../artifact-uri";
import { TrackingError } from "../errors";
import { asPortal, callOperation } from "../http/portal-call";
import { loggedModelForSource } from "../logged-models/registry-link";
import type { WireModelVersion } from "./entities";

const PROXIED = "mlflow-artifacts:";

/** Where `runs:/<run>/<path>` keeps its files: the MLflow 3 logged model of that name, else the run's own folder. */
async function modelLocationOf(db: Db, runId: string, artifactUri: string, path: string): Promise<string> {
  const logged = await loggedModelForSource(db, `runs:/${runId}/${path}`, undefined);
  return logged ? logged.artifactLocation : appendToUriPath(artifactUri, path);
}

/** Whether an MLflow model directory (its `MLmodel` file) is at `location` in the portal's artifact store. */
async function hasModelFiles(store: ArtifactStore, location: string): Promise<boolean> {
  if (!location.startsWith(PROXIED)) return false;
  const file = await store.open(`${modelKeyOf(location)}/MLmodel`);
  if (!file) return false;
  await file.stream.cancel();
  return true;
}

/**
 * Creates the registered model when missing and a version from `runs:/<run>/<path>`, as mlflow.register_model
 * does; 409 `no_model_files` when no MLmodel file is there, so no empty version is made.
 */
export async function registerModelFromRun(
  db: Db,
  store: ArtifactStore,
  principal: Principal,
  ask: { runId: string; name: string; path: string },
): Promise<WireModelVersion> {
  const run = await findRun(db, ask.runId);
  const experiment = run && (await findExperiment(db, run.experimentId));
  if (!run || !can(principal, "read", runResource(run, experiment))) throw notFound("run_not_found", `There is no run ${ask.runId}.`);
  const location = await modelLocationOf(db, run.runUuid, run.artifactUri, ask.path);
  if (!(await hasModelFiles(store, location))) {
    throw conflict(
      "no_model_files",
      `Run ${run.name} has no model files at "${ask.path}" (no MLmodel file there), so there is nothing to register; log a model first, e.g. mlflow.sklearn.log_model(model, name="${ask.path}").`,
    );
  }
  return asPortal(async () => {
    try {
      await callOperation(db, principal, "registered-models/create", { name: ask.name });
    } catch (err) {
      if (!(err instanceof TrackingError && err.code === "RESOURCE_ALREADY_EXISTS")) throw err;
    }
    const body = await callOperation(db, principal, "model-versions/create", {
      name: ask.name,
      source: `runs:/${run.runUuid}/${ask.path}`,
      run_id: run.runUuid,
    });
    return body.model_version as WireModelVersion;
  });
}
