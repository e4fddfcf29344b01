import { and, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { auditEvents } from "../schema";

export type AuditRow = typeof auditEvents.$inferSelect;
export type AuditInput = { actor: string; action: string; target?: string | null; detail?: Record<string, unknown> };

export async function insertAuditEvent(db: Db, e: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({ actor: e.actor, action: e.action, target: e.target ?? null, detail: e.detail ?? {} });
}

export function searchAuditEvents(
  db: Db,
  f: { actor?: string; action?: string; since?: Date; until?: Date; limit: number; offset: number },
): Promise<AuditRow[]> {
  const conds: SQL[] = [];
  if (f.actor) conds.push(eq(auditEvents.actor, f.actor));
  if (f.action) conds.push(eq(auditEvents.action, f.action));
  if (f.since) conds.push(gte(auditEvents.at, f.since));
  if (f.until) conds.push(lte(auditEvents.at, f.until));
  return db
    .select()
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(f.limit)
    .offset(f.offset);
}
