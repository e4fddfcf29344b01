import { z } from "zod";
import { readJson, readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { createJob, listJobsFor } from "@atrium/core/lib/jobs/manage";
import { createJobSchema, jobRequestLabels } from "@atrium/core/lib/jobs/schemas";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

const listQuery = z.object({ all: z.enum(["true", "false"]).optional() });

/** The caller's jobs; `?all=true` lists everyone's for an admin. */
export const GET = withUser("jobs", async (req, { db, principal }) => {
  const { all } = readQuery(req, listQuery);
  return Response.json({ jobs: await listJobsFor(db, principal, all === "true") });
});

export const POST = withUser("jobs", async (req, { db, principal }) => {
  const ask = await readJson(req, createJobSchema, jobRequestLabels);
  return Response.json(await createJob(db, principal, ask, principal.name, getSpawner()), { status: 201 });
});
