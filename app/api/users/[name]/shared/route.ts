import { personAt } from "@atrium/core/lib/auth/owner-named";
import { withUser } from "@atrium/core/lib/http/with-user";
import { sharedWith } from "@atrium/core/lib/sharing/shares";
import { userParams } from "@atrium/core/lib/users/schemas";

/** JupyterHub's /api/users/{name}/shared: the servers shared with her, by name or through a group. */
export const GET = withUser(
  "account:read",
  async (_req, { db, principal, params }) => {
    const items = await sharedWith(db, principal, params.name);
    return Response.json({ items, _pagination: { offset: 0, limit: items.length, total: items.length, next: null } });
  },
  userParams,
  { access: { action: "read", resource: personAt } },
);
