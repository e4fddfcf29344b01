import { withAdmin } from "@atrium/core/lib/http/with-user";
import { deletionSummary } from "@atrium/core/lib/users/manage";
import { userParams } from "@atrium/core/lib/users/schemas";

/** What deleting the person would take with her, for the admin's confirmation dialog. */
export const GET = withAdmin(async (_req, { db, params }) => Response.json(await deletionSummary(db, params.name)), userParams);
