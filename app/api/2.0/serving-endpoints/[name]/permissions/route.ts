import { withUser } from "@atrium/core/lib/http/with-user";
import { readJson } from "@atrium/core/lib/http/parse";
import { getPermissions, updatePermissions } from "@atrium/core/lib/serving/grants";
import { endpointParamsSchema, permissionsInputSchema } from "@atrium/core/lib/serving/schemas";

// Who may call the endpoint (CAN_QUERY), in the shape of Databricks' permissions API (docs/serving.md).
export const GET = withUser(
  "serving",
  async (_req, { db, principal, params }) => Response.json(await getPermissions(db, principal, params.name)),
  endpointParamsSchema,
  { errors: "mlflow" },
);

const change = (mode: "add" | "replace") =>
  withUser(
    "serving",
    async (req, { db, principal, params }) =>
      Response.json(await updatePermissions(db, principal, params.name, await readJson(req, permissionsInputSchema), mode)),
    endpointParamsSchema,
    { errors: "mlflow" },
  );

export const PATCH = change("add");
export const PUT = change("replace");
