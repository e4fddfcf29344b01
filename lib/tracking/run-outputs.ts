/**
 * LogOutputs (`POST runs/outputs`, `{ run_id, models: [{ model_id, step }] }`): MLflow 3's log_model calls it
 * inside an active run to say the run produced the logged model. Only the run's creator or an admin may.
 */
import { findLoggedModel, insertRunOutputs } from "@/db/queries/logged-models";
import { findRun } from "@/db/queries/tracking";
import { TrackingError, doesNotExist, invalidParam } from "./errors";
import type { Body, TrackingContext } from "./service";
import { validateRunId } from "./validation";
import { optInt, optObjectList, reqRunId, reqString, type Fields } from "./wire";

export async function logOutputs(ctx: TrackingContext, f: Fields): Promise<Body> {
  const runId = reqRunId(f);
  validateRunId(runId);
  const outputs = optObjectList(f, "models").map((m) => {
    const step = optInt(m, "step") ?? 0;
    if (step < 0) throw invalidParam(`Invalid step ${step} for a model output: steps are non-negative integers.`);
    return { modelId: reqString(m, "model_id"), step };
  });
  const run = await findRun(ctx.db, runId);
  if (!run) throw doesNotExist(`Run with id=${runId} not found`);
  if (!ctx.principal.admin && run.userId !== ctx.principal.name) {
    throw new TrackingError("PERMISSION_DENIED", `Only ${run.userId} or an admin may write to run ${run.runUuid}.`);
  }
  if (run.lifecycleStage !== "active") throw invalidParam(`The run ${run.runUuid} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  for (const o of outputs) {
    if (!(await findLoggedModel(ctx.db, o.modelId))) throw doesNotExist(`Logged model with ID '${o.modelId}' not found.`);
  }
  await insertRunOutputs(ctx.db, run.runUuid, outputs);
  return {};
}
