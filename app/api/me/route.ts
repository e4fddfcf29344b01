import { withUser } from "@/lib/http/with-user";
import { describeMe } from "@/lib/users/me";

export const GET = withUser("account:read", async (_req, { db, principal }) => Response.json(await describeMe(db, principal)));
