import { readJson, readQuery } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { createUser, listUsers } from "@atrium/core/lib/users/manage";
import { createUserSchema, listUsersQuerySchema } from "@atrium/core/lib/users/schemas";
import { userView } from "@atrium/core/lib/users/view";

export const GET = withAdmin(async (req, { db }) => {
  const query = readQuery(req, listUsersQuerySchema);
  const page = await listUsers(db, query);
  return Response.json({ total: page.total, offset: query.offset, limit: query.limit, items: page.items.map(userView) });
});

export const POST = withAdmin(async (req, { db, principal }) => {
  const input = await readJson(req, createUserSchema);
  const user = await createUser(db, principal, input);
  return Response.json(userView(user), { status: 201 });
});
