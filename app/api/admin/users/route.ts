import { adminUsersQuerySchema } from "@/lib/admin/schemas";
import { listAdminUsers } from "@/lib/admin/users-table";
import { readQuery } from "@/lib/http/parse";
import { withAdmin } from "@/lib/http/with-user";

export const GET = withAdmin(async (req, { db }) => {
  const query = readQuery(req, adminUsersQuerySchema);
  const page = await listAdminUsers(db, query);
  return Response.json({ total: page.total, offset: query.offset, limit: query.limit, items: page.items });
});
