import { getConfig } from "@/lib/config";
import { withUser } from "@/lib/http/with-user";
import { catalogFor } from "@/lib/packages/catalog";
import { packageParams } from "@/lib/packages/schemas";

export const GET = withUser("packages:read", async (_req, { params }) => {
  return Response.json(await catalogFor(getConfig().pypiIndexUrl).get(params.name));
}, packageParams);
