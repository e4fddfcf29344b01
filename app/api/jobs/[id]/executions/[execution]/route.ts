import { withUser } from "@atrium/core/lib/http/with-user";
import { getExecution } from "@atrium/core/lib/jobs/run";
import { executionParams } from "@atrium/core/lib/jobs/schemas";

export const GET = withUser(
  "jobs",
  async (_req, { db, principal, params }) => Response.json(await getExecution(db, principal, params.id, params.execution)),
  executionParams,
);
