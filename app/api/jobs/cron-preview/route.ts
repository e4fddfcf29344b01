import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { nextTimes } from "@atrium/core/lib/jobs/cron";
import { cronPreviewSchema } from "@atrium/core/lib/jobs/schemas";

/** The next five times of a cron expression in a time zone (the job form); a bad one is 400 invalid_cron. */
export const GET = withUser("jobs", async (req) => {
  const { cron, timeZone } = readQuery(req, cronPreviewSchema);
  return Response.json({ cron, timeZone, next: nextTimes(cron, timeZone, 5).map((t) => t.toISOString()) });
});
