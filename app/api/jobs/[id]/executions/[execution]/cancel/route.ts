import { withUser } from "@atrium/core/lib/http/with-user";
import { cancelExecution } from "@atrium/core/lib/jobs/run";
import { jobDeps } from "@atrium/core/lib/jobs/runtime";
import { executionParams } from "@atrium/core/lib/jobs/schemas";

export const POST = withUser(
  "jobs",
  async (_req, { db, principal, params }) => Response.json(await cancelExecution(jobDeps(db), principal, params.id, params.execution)),
  executionParams,
);
