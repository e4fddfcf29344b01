import { withUser } from "@atrium/core/lib/http/with-user";
import { getRoles } from "@atrium/core/lib/roles/manage";

export const GET = withUser("account:read", async (_req, { db }) => Response.json(await getRoles(db)));
