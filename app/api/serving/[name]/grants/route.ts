import { withUser } from "@atrium/core/lib/http/with-user";
import { readJson } from "@atrium/core/lib/http/parse";
import { removeGrant } from "@atrium/core/lib/serving/grants";
import { endpointParamsSchema, grantRemovalSchema } from "@atrium/core/lib/serving/schemas";

// The endpoint page's "Remove" on one grant (docs/serving.md, "The pages' API"); adding is PATCH …/permissions.
export const DELETE = withUser(
  "serving",
  async (req, { db, principal, params }) =>
    Response.json(await removeGrant(db, principal, params.name, await readJson(req, grantRemovalSchema))),
  endpointParamsSchema,
);
