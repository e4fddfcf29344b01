import { withUser } from "@/lib/http/with-user";
import { getRoles } from "@/lib/roles/manage";

export const GET = withUser("account:read", async (_req, { db }) => Response.json(await getRoles(db)));
