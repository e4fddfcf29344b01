import { withUser } from "@atrium/core/lib/http/with-user";
import { updateJobOf } from "@atrium/core/lib/jobs/manage";
import { jobParams } from "@atrium/core/lib/jobs/schemas";

export const POST = withUser(
  "jobs",
  async (_req, { db, principal, params }) => Response.json(await updateJobOf(db, principal, params.id, { paused: false })),
  jobParams,
);
