import { personAt } from "@atrium/core/lib/auth/owner-named";
import { withUser } from "@atrium/core/lib/http/with-user";
import { listing } from "@atrium/core/lib/sharing/view";
import { sharedWith } from "@atrium/core/lib/sharing/shares";
import { userParams } from "@atrium/core/lib/users/schemas";

/** JupyterHub's /api/users/{name}/shared: the servers shared with her, by name or through a group. */
export const GET = withUser(
  "account:read",
  async (_req, { db, principal, params }) => {
    const items = await sharedWith(db, principal, params.name);
    return Response.json(listing(items));
  },
  userParams,
  { access: { action: "read", resource: personAt } },
);
