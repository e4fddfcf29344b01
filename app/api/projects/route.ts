import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { createProject, listProjectsFor } from "@atrium/core/lib/projects/manage";
import { createProjectSchema, projectRequestLabels } from "@atrium/core/lib/projects/schemas";

/** The projects the caller is in; an admin sees all. */
export const GET = withUser("account", async (_req, { db, principal }) =>
  Response.json({ projects: await listProjectsFor(db, principal) }),
);

export const POST = withUser("account", async (req, { db, principal }) => {
  const ask = await readJson(req, createProjectSchema, projectRequestLabels);
  return Response.json(await createProject(db, principal, ask), { status: 201 });
});
