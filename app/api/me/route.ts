import { withUser } from "@atrium/core/lib/http/with-user";
import { describeMe } from "@atrium/core/lib/users/me";

export const GET = withUser("account:read", async (_req, { db, principal }) => Response.json(await describeMe(db, principal)));
