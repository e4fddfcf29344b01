import { withAdmin } from "@/lib/http/with-user";
import { deletionSummary } from "@/lib/users/manage";
import { userParams } from "@/lib/users/schemas";

/** What deleting the person would take with her, for the admin's confirmation dialog. */
export const GET = withAdmin(async (_req, { db, params }) => Response.json(await deletionSummary(db, params.name)), userParams);
