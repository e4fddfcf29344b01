import { personAt } from "@atrium/core/lib/auth/owner-named";
import { withUser } from "@atrium/core/lib/http/with-user";
import { userParams } from "@atrium/core/lib/users/schemas";
import { listServers } from "@atrium/core/lib/workspaces/query";

export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => Response.json(await listServers(db, principal, params.name)),
  userParams,
  { access: { action: "read", resource: personAt } },
);
