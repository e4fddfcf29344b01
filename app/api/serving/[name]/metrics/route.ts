import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { endpointSeries, rangeSchema } from "@atrium/core/lib/serving/request-log";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

// The charts: requests/s, error rate and latency percentiles per served version over the last hour, day or week.
export const GET = withUser(
  "serving:invoke",
  async (req, { db, principal, params }) =>
    Response.json(await endpointSeries(db, principal, params.name, readQuery(req, rangeSchema).range)),
  endpointParamsSchema,
);
