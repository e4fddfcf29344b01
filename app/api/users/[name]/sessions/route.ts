import { withAdmin } from "@atrium/core/lib/http/with-user";
import { revokeUserSessions } from "@atrium/core/lib/users/manage";
import { userParams } from "@atrium/core/lib/users/schemas";

/** Signs the person out everywhere: every session cookie of hers stops working at once. */
export const DELETE = withAdmin(
  async (_req, { db, principal, params }) => Response.json({ revoked: await revokeUserSessions(db, principal, params.name) }),
  userParams,
);
