import { and, count, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../client";
import { sessions, users } from "../schema";
import { membershipsOfUserRow, type MembershipRow } from "./resource-permissions";

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(db: Db, values: { idHash: string; ownerId: string; expiresAt: Date }): Promise<SessionRow> {
  const rows = await db.insert(sessions).values(values).returning();
  const row = rows[0];
  if (!row) throw new Error("insert returned no row");
  return row;
}

/**
 * The unexpired session with this hash and the person it belongs to (by id, so a person created
 * again under the same name does not match); undefined when revoked, expired or the person is gone.
 * With her project memberships, so a request with a cookie costs one query.
 */
export async function findLiveSession(
  db: Db,
  idHash: string,
  now = new Date(),
): Promise<{ session: SessionRow; user: typeof users.$inferSelect; memberships: MembershipRow[] } | undefined> {
  const rows = await db
    .select({ session: sessions, user: users, memberships: membershipsOfUserRow() })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.ownerId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0];
}

/**
 * Records use and slides the expiry (`ttlMs` from now), at most once a minute per session, so an active
 * person stays signed in as with next-auth's rolling cookie but a busy page does not write on every call.
 */
export async function touchSession(db: Db, idHash: string, ttlMs: number, now = new Date()): Promise<void> {
  await db
    .update(sessions)
    .set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + ttlMs) })
    .where(and(eq(sessions.idHash, idHash), lt(sessions.lastSeenAt, new Date(now.getTime() - 60_000))));
}

export async function deleteSession(db: Db, idHash: string): Promise<boolean> {
  const rows = await db.delete(sessions).where(eq(sessions.idHash, idHash)).returning({ idHash: sessions.idHash });
  return rows.length > 0;
}

/** Every session of the person; returns how many there were. */
export async function deleteSessionsOf(db: Db, ownerId: string): Promise<number> {
  const rows = await db.delete(sessions).where(eq(sessions.ownerId, ownerId)).returning({ idHash: sessions.idHash });
  return rows.length;
}

export async function countLiveSessions(db: Db, ownerId: string, now = new Date()): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(eq(sessions.ownerId, ownerId), gt(sessions.expiresAt, now)));
  return rows[0]?.n ?? 0;
}

/** Expired rows are useless; the reconcile beat removes them so the table stays small. */
export async function deleteExpiredSessions(db: Db, now = new Date()): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ idHash: sessions.idHash });
  return rows.length;
}
