import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { deleteJobOf, getJob, updateJobOf } from "@atrium/core/lib/jobs/manage";
import { jobDeps } from "@atrium/core/lib/jobs/runtime";
import { jobRequestLabels, jobParams, updateJobSchema } from "@atrium/core/lib/jobs/schemas";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const GET = withUser(
  "jobs",
  async (_req, { db, principal, params }) => Response.json(await getJob(db, principal, params.id)),
  jobParams,
);

export const PATCH = withUser(
  "jobs",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, updateJobSchema, jobRequestLabels);
    return Response.json(await updateJobOf(db, principal, params.id, ask, getSpawner()));
  },
  jobParams,
);

export const DELETE = withUser(
  "jobs",
  async (_req, { db, principal, params }) => {
    await deleteJobOf(jobDeps(db), principal, params.id);
    return new Response(null, { status: 204 });
  },
  jobParams,
);
