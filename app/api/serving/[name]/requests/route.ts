import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { listRequests, requestQuerySchema } from "@atrium/core/lib/serving/request-log";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

// The request log, newest first, paged by keyset; its owner's and admins' (docs/serving.md, "The pages").
export const GET = withUser(
  "serving",
  async (req, { db, principal, params }) =>
    Response.json(await listRequests(db, principal, params.name, readQuery(req, requestQuerySchema))),
  endpointParamsSchema,
);
