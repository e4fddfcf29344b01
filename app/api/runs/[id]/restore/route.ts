import { withUser } from "@atrium/core/lib/http/with-user";
import { restoreRunOf } from "@atrium/core/lib/tracking/runs/edit";
import { runParams } from "@atrium/core/lib/tracking/overview/schemas";

/** Brings a deleted run back (MLflow's runs/restore). */
export const POST = withUser(
  "mlflow",
  async (_req, { db, principal, params }) => {
    await restoreRunOf(db, principal, params.id);
    return new Response(null, { status: 204 });
  },
  runParams,
);
