/**
 * LogOutputs (`POST runs/outputs`, `{ run_id, models: [{ model_id, step }] }`): MLflow 3's log_model calls it
 * inside an active run to say the run produced the logged model. Only the run's creator or an admin may.
 */
import { findLoggedModel, insertRunOutputs } from "@/db/queries/logged-models";
import { doesNotExist, invalidParam } from "../errors";
import { writableRun, type Body, type TrackingContext } from "../service";
import { optInt, optObjectList, reqRunId, reqString, type Fields } from "../http/wire";

export async function logOutputs(ctx: TrackingContext, f: Fields): Promise<Body> {
  const runId = reqRunId(f);
  const outputs = optObjectList(f, "models").map((m) => {
    const step = optInt(m, "step") ?? 0;
    if (step < 0) throw invalidParam(`Invalid step ${step} for a model output: steps are non-negative integers.`);
    return { modelId: reqString(m, "model_id"), step };
  });
  const run = await writableRun(ctx, runId);
  for (const o of outputs) {
    if (!(await findLoggedModel(ctx.db, o.modelId))) throw doesNotExist(`Logged model with ID '${o.modelId}' not found.`);
  }
  await insertRunOutputs(ctx.db, run.runUuid, outputs);
  return {};
}
