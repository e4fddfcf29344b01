import { withUser } from "@atrium/core/lib/http/with-user";
import { readJson } from "@atrium/core/lib/http/parse";
import { updateEndpointConfig } from "@atrium/core/lib/serving/endpoints";
import { endpointConfigInputSchema, endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

export const PUT = withUser(
  "serving",
  async (req, { db, principal, params }) =>
    Response.json(await updateEndpointConfig(db, principal, params.name, await readJson(req, endpointConfigInputSchema))),
  endpointParamsSchema,
  { errors: "mlflow" },
);
