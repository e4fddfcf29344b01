import { auditQuerySchema } from "@atrium/core/lib/admin/schemas";
import { listAuditEvents } from "@atrium/core/lib/audit/search";
import { readQuery } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";

export const GET = withAdmin(async (req, { db }) => {
  const query = readQuery(req, auditQuerySchema);
  const page = await listAuditEvents(db, query);
  return Response.json({ offset: query.offset, limit: query.limit, hasMore: page.hasMore, items: page.items });
});
