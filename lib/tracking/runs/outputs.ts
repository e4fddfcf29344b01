/**
 * LogOutputs (`POST runs/outputs`, `{ run_id, models: [{ model_id, step }] }`): MLflow 3's log_model calls it
 * inside an active run to say the run produced the logged model. Dispatch lets only the run's creator or an
 * admin through.
 */
import { findLoggedModel, insertRunOutputs } from "@/db/queries/logged-models";
import type { RunRow } from "@/db/queries/tracking";
import type { Body, TrackingContext } from "../context";
import { doesNotExist } from "../errors";
import type { Input, runs } from "../http/schemas";

export async function logOutputs(ctx: TrackingContext, { models }: Input<typeof runs.logOutputs>, run: RunRow): Promise<Body> {
  for (const m of models) {
    if (!(await findLoggedModel(ctx.db, m.model_id))) throw doesNotExist(`Logged model with ID '${m.model_id}' not found.`);
  }
  await insertRunOutputs(
    ctx.db,
    run.runUuid,
    models.map((m) => ({ modelId: m.model_id, step: m.step })),
  );
  return {};
}
