import { withUser } from "@atrium/core/lib/http/with-user";
import { deleteEndpoint, getEndpoint } from "@atrium/core/lib/serving/endpoints";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

export const GET = withUser(
  "serving:invoke",
  async (_req, { db, principal, params }) => Response.json(await getEndpoint(db, principal, params.name)),
  endpointParamsSchema,
  { errors: "mlflow" },
);

export const DELETE = withUser(
  "serving",
  async (_req, { db, principal, params }) => Response.json(await deleteEndpoint(db, principal, params.name)),
  endpointParamsSchema,
  { errors: "mlflow" },
);
