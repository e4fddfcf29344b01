import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { changeMember, removeMember } from "@atrium/core/lib/projects/manage";
import { changeMemberSchema, memberParams, projectRequestLabels } from "@atrium/core/lib/projects/schemas";

/** `<member>`: a person's name, or `group:<name>` for a group. */
export const PATCH = withUser(
  "account",
  async (req, { db, principal, params }) => {
    const { role } = await readJson(req, changeMemberSchema, projectRequestLabels);
    return Response.json(await changeMember(db, principal, params.project, params.member, role));
  },
  memberParams,
);

export const DELETE = withUser(
  "account",
  async (_req, { db, principal, params }) => {
    await removeMember(db, principal, params.project, params.member);
    return new Response(null, { status: 204 });
  },
  memberParams,
);
