import { withUser } from "@atrium/core/lib/http/with-user";
import { endpointPage } from "@atrium/core/lib/serving/overview";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

// What the endpoint page polls (docs/serving.md, "The pages"): state, revisions, replicas, grants.
export const GET = withUser(
  "serving:invoke",
  async (_req, { db, principal, params }) => Response.json(await endpointPage(db, principal, params.name)),
  endpointParamsSchema,
);
