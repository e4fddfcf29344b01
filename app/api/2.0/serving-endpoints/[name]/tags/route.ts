import { withUser } from "@atrium/core/lib/http/with-user";
import { readJson } from "@atrium/core/lib/http/parse";
import { patchEndpointTags } from "@atrium/core/lib/serving/endpoints";
import { endpointParamsSchema, patchTagsSchema } from "@atrium/core/lib/serving/schemas";

// MLflow's update_endpoint_tags: PATCH …/<name>/tags {add_tags, delete_tags} → {tags} (docs/serving.md).
export const PATCH = withUser(
  "serving",
  async (req, { db, principal, params }) =>
    Response.json(await patchEndpointTags(db, principal, params.name, await readJson(req, patchTagsSchema))),
  endpointParamsSchema,
  { errors: "mlflow" },
);
