import { z } from "zod";
import { withUser } from "@atrium/core/lib/http/with-user";
import { countTrackingWrite } from "@atrium/core/lib/metrics/tracking";
import { handleTrackingRequest } from "@atrium/core/lib/tracking/http/dispatch";

// MLflow 3's /api/3.0/mlflow/ surface (traces and assessments, docs/mlflow-rest.md §6): the same operation
// table as /api/2.0/mlflow/, its 3.0 rows. /ajax-api/3.0/mlflow re-exports these handlers.
const handler = withUser(
  "mlflow",
  async (req, { db, principal, params }) =>
    countTrackingWrite(req, await handleTrackingRequest(req, { db, principal }, params.path, "3.0")),
  z.object({ path: z.array(z.string()) }),
  { errors: "mlflow" },
);

export const GET = handler;
export const POST = handler;
export const PATCH = handler;
export const DELETE = handler;
