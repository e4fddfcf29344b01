import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { deleteRunOf, editRun } from "@atrium/core/lib/tracking/runs/edit";
import { editRunLabels, editRunSchema, runParams } from "@atrium/core/lib/tracking/overview/schemas";

/** Changes the run's name, description and tags at once (lib/tracking/runs/edit.ts). */
export const PATCH = withUser(
  "mlflow",
  async (req, { db, principal, params }) => {
    await editRun(db, principal, params.id, await readJson(req, editRunSchema, editRunLabels));
    return new Response(null, { status: 204 });
  },
  runParams,
);

/** MLflow's soft delete: lifecycle_stage becomes deleted; POST …/restore brings the run back. */
export const DELETE = withUser(
  "mlflow",
  async (_req, { db, principal, params }) => {
    await deleteRunOf(db, principal, params.id);
    return new Response(null, { status: 204 });
  },
  runParams,
);
