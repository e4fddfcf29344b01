import { and, desc, eq, gte, like, lte, or, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { auditEvents } from "../schema";
import type { AuditRow } from "./audit";
import { escapeLike } from "./like";

export interface AuditFilter {
  /** Who did it. */
  actor?: string;
  /** Whom or what it was done to: a user name also matches that user's servers ("jane/default"). */
  target?: string;
  action?: string;
  since?: Date;
  until?: Date;
  offset: number;
  limit: number;
}

/** Newest first; one row more than asked is fetched so the caller knows whether a next page exists. */
export async function searchAudit(db: Db, f: AuditFilter): Promise<{ items: AuditRow[]; hasMore: boolean }> {
  const conds: SQL[] = [];
  if (f.actor) conds.push(eq(auditEvents.actor, f.actor));
  if (f.target) {
    const t = or(eq(auditEvents.target, f.target), like(auditEvents.target, `${escapeLike(f.target)}/%`));
    if (t) conds.push(t);
  }
  if (f.action) conds.push(eq(auditEvents.action, f.action));
  if (f.since) conds.push(gte(auditEvents.at, f.since));
  if (f.until) conds.push(lte(auditEvents.at, f.until));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(f.limit + 1)
    .offset(f.offset);
  return { items: rows.slice(0, f.limit), hasMore: rows.length > f.limit };
}
