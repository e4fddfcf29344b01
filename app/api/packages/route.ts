import { getConfig } from "@atrium/core/lib/config";
import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { catalogFor } from "@atrium/core/lib/packages/catalog";
import { searchQuerySchema } from "@atrium/core/lib/packages/schemas";

export const GET = withUser("packages:read", async (req) => {
  const { q, offset, limit } = readQuery(req, searchQuerySchema);
  return Response.json(await catalogFor(getConfig().pypiIndexUrl).search(q, offset, limit));
});
