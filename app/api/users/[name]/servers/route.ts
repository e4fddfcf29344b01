import { assertSelfOrAdmin, withUser } from "@atrium/core/lib/http/with-user";
import { userParams } from "@atrium/core/lib/users/schemas";
import { listServers } from "@atrium/core/lib/workspaces/query";

export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    return Response.json(await listServers(db, params.name));
  },
  userParams,
);
