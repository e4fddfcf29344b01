import { getConfig } from "@atrium/core/lib/config";
import { withUser } from "@atrium/core/lib/http/with-user";
import { catalogFor } from "@atrium/core/lib/packages/catalog";
import { packageParams } from "@atrium/core/lib/packages/schemas";

export const GET = withUser(
  "packages:read",
  async (_req, { params }) => {
    return Response.json(await catalogFor(getConfig().pypiIndexUrl).get(params.name));
  },
  packageParams,
);
