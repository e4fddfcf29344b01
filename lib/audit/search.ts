import type { Db } from "@/db/client";
import type { AuditRow } from "@/db/queries/audit";
import { searchAudit, type AuditFilter } from "@/db/queries/audit-search";

export function auditView(r: AuditRow) {
  return { id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, target: r.target, detail: r.detail };
}
export type AuditView = ReturnType<typeof auditView>;

/** The audit log for admins: who did what to whom and when, newest first, filtered and paged. */
export async function listAuditEvents(db: Db, filter: AuditFilter): Promise<{ items: AuditView[]; hasMore: boolean }> {
  const page = await searchAudit(db, filter);
  return { items: page.items.map(auditView), hasMore: page.hasMore };
}
