import { auditQuerySchema } from "@/lib/admin/schemas";
import { listAuditEvents } from "@/lib/audit/search";
import { readQuery } from "@/lib/http/parse";
import { withAdmin } from "@/lib/http/with-user";

export const GET = withAdmin(async (req, { db }) => {
  const query = readQuery(req, auditQuerySchema);
  const page = await listAuditEvents(db, query);
  return Response.json({ offset: query.offset, limit: query.limit, hasMore: page.hasMore, items: page.items });
});
