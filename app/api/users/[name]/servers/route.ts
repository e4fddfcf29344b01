import { assertSelfOrAdmin, withUser } from "@/lib/http/with-user";
import { userParams } from "@/lib/users/schemas";
import { listServers } from "@/lib/workspaces/query";

export const GET = withUser("servers", async (_req, { db, principal, params }) => {
  assertSelfOrAdmin(principal, params.name);
  return Response.json(await listServers(db, params.name));
}, userParams);
