import { adminUsersQuerySchema } from "@atrium/core/lib/admin/schemas";
import { listAdminUsers } from "@atrium/core/lib/admin/users-table";
import { readQuery } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";

export const GET = withAdmin(async (req, { db }) => {
  const query = readQuery(req, adminUsersQuerySchema);
  const page = await listAdminUsers(db, query);
  return Response.json({ total: page.total, offset: query.offset, limit: query.limit, items: page.items });
});
