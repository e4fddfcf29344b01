import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { endpointDrift, rangeSchema } from "@atrium/core/lib/serving/request-log";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

// Drift of the inputs and predictions against the window before, from the sampled bodies (lib/serving/drift.ts).
export const GET = withUser(
  "serving",
  async (req, { db, principal, params }) =>
    Response.json(await endpointDrift(db, principal, params.name, readQuery(req, rangeSchema).range)),
  endpointParamsSchema,
);
