import { withUser } from "@atrium/core/lib/http/with-user";
import { nudgeJobsLoop } from "@atrium/core/lib/jobs/loop";
import { listExecutionsFor, runJobNow } from "@atrium/core/lib/jobs/run";
import { jobParams } from "@atrium/core/lib/jobs/schemas";

export const GET = withUser(
  "jobs",
  async (_req, { db, principal, params }) => Response.json({ executions: await listExecutionsFor(db, principal, params.id) }),
  jobParams,
);

/** Run now: queued at once, started by the leader's loop (at once when this replica leads). */
export const POST = withUser(
  "jobs",
  async (_req, { db, principal, params }) => {
    const queued = await runJobNow(db, principal, params.id);
    nudgeJobsLoop();
    return Response.json(queued, { status: 202 });
  },
  jobParams,
);
