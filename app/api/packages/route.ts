import { getConfig } from "@/lib/config";
import { readQuery } from "@/lib/http/parse";
import { withUser } from "@/lib/http/with-user";
import { catalogFor } from "@/lib/packages/catalog";
import { searchQuerySchema } from "@/lib/packages/schemas";

export const GET = withUser("packages:read", async (req) => {
  const { q, offset, limit } = readQuery(req, searchQuerySchema);
  return Response.json(await catalogFor(getConfig().pypiIndexUrl).search(q, offset, limit));
});
