import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { moveToProject } from "@atrium/core/lib/projects/move";
import { moveSchema, projectParams, projectRequestLabels } from "@atrium/core/lib/projects/schemas";

/** Moves an experiment, registered model, job or endpoint into the project ("default": its creator's personal space). */
export const POST = withUser(
  "account",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, moveSchema, projectRequestLabels);
    return Response.json(await moveToProject(db, principal, params.project, ask));
  },
  projectParams,
);
