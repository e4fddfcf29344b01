import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { changeProject, getProject, removeProject } from "@atrium/core/lib/projects/manage";
import { projectParams, projectRequestLabels, updateProjectSchema } from "@atrium/core/lib/projects/schemas";

export const GET = withUser(
  "account",
  async (_req, { db, principal, params }) => Response.json(await getProject(db, principal, params.project)),
  projectParams,
);

export const PATCH = withUser(
  "account",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, updateProjectSchema, projectRequestLabels);
    return Response.json(await changeProject(db, principal, params.project, ask));
  },
  projectParams,
);

export const DELETE = withUser(
  "account",
  async (_req, { db, principal, params }) => {
    await removeProject(db, principal, params.project);
    return new Response(null, { status: 204 });
  },
  projectParams,
);
