import { z } from "zod";
import { withUser } from "@atrium/core/lib/http/with-user";
import { countTrackingWrite } from "@atrium/core/lib/metrics/tracking";
import { handleTrackingRequest } from "@atrium/core/lib/tracking/http/dispatch";

// MLflow REST API (docs/mlflow-rest.md); /ajax-api/2.0/mlflow re-exports these handlers.
const handler = withUser(
  "mlflow",
  async (req, { db, principal, params }) => countTrackingWrite(req, await handleTrackingRequest(req, { db, principal }, params.path)),
  z.object({ path: z.array(z.string()) }),
  { errors: "mlflow" },
);

export const GET = handler;
export const POST = handler;
export const PATCH = handler;
export const DELETE = handler;
