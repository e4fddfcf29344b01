import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { addMember, getProject } from "@atrium/core/lib/projects/manage";
import { addMemberSchema, projectParams, projectRequestLabels } from "@atrium/core/lib/projects/schemas";

export const GET = withUser(
  "account",
  async (_req, { db, principal, params }) => Response.json({ members: (await getProject(db, principal, params.project)).members }),
  projectParams,
);

/** `{name, role}` adds a person, `{group, role}` an SSO group. */
export const POST = withUser(
  "account",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, addMemberSchema, projectRequestLabels);
    return Response.json(await addMember(db, principal, params.project, ask), { status: 201 });
  },
  projectParams,
);
