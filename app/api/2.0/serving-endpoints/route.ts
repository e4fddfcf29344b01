import { withUser } from "@atrium/core/lib/http/with-user";
import { readJson } from "@atrium/core/lib/http/parse";
import { createEndpoint, listEndpoints } from "@atrium/core/lib/serving/endpoints";
import { createEndpointSchema } from "@atrium/core/lib/serving/schemas";
import { WORKSPACE_HEADER } from "@atrium/core/lib/tracking/workspace";

// Databricks' serving-endpoints API (docs/serving.md); MLflow's client sends these with a trailing slash,
// which server.ts drops before Next routes the request (canonicalPath, lib/http/pre-route.ts).
export const GET = withUser(
  "serving:invoke",
  async (_req, { db, principal }) => Response.json(await listEndpoints(db, principal)),
  undefined,
  {
    errors: "mlflow",
  },
);

export const POST = withUser(
  "serving",
  async (req, { db, principal }) =>
    Response.json(
      await createEndpoint(
        db,
        principal,
        await readJson(req, createEndpointSchema),
        req.headers.get(WORKSPACE_HEADER)?.trim() || undefined,
      ),
    ),
  undefined,
  { errors: "mlflow" },
);
