import type { Db } from "../client";
import { auditEvents } from "../schema";

export type AuditRow = typeof auditEvents.$inferSelect;
export type AuditInput = { actor: string; action: string; target?: string | null; detail?: Record<string, unknown> };

export async function insertAuditEvent(db: Db, e: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({ actor: e.actor, action: e.action, target: e.target ?? null, detail: e.detail ?? {} });
}
