/** The event outbox's SQL (lib/events/): writing events, each consumer's cursor, and pruning delivered events. */
import { and, asc, eq, gt, inArray, isNull, lt, lte, min, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { eventCursors, events } from "../schema";

export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;
export type EventCursorRow = typeof eventCursors.$inferSelect;

/** "ATRI", 3: held from an event's insert to its transaction's end (db/leader-lock.ts and db/migration-lock.ts hold 1 and 2). */
const EVENT_ORDER_LOCK_KEYS = [0x41545249, 3] as const;

/**
 * Inserts events; `db` must be the transaction of the change they report. The transaction-scoped advisory lock
 * makes event-writing transactions take their ids one after the other, each after the previous one committed,
 * so ids become visible in order: a reader that saw id n never sees a smaller id appear later, and a cursor
 * (deliveredThrough) can never pass an event still being written. Held only from here to the commit.
 */
export async function insertEvents(db: Db, rows: readonly NewEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const [k1, k2] = EVENT_ORDER_LOCK_KEYS;
  await db.execute(sql`select pg_advisory_xact_lock(${k1}::int4, ${k2}::int4)`);
  await db.insert(events).values([...rows]);
}

/** Creates the cursors of consumers seen for the first time; a new consumer starts before the oldest kept event. */
export async function ensureEventCursors(db: Db, consumers: readonly string[]): Promise<void> {
  if (consumers.length === 0) return;
  await db
    .insert(eventCursors)
    .values(consumers.map((consumer) => ({ consumer })))
    .onConflictDoNothing();
}

/**
 * Locks a consumer's cursor for the rest of the transaction, unless another transaction holds it (another
 * replica delivering to it now) or its retry time has not come: then undefined, at once.
 */
export async function lockEventCursor(db: Db, consumer: string, now: Date): Promise<EventCursorRow | undefined> {
  const [row] = await db
    .select()
    .from(eventCursors)
    .where(and(eq(eventCursors.consumer, consumer), or(isNull(eventCursors.retryAt), lte(eventCursors.retryAt, now))))
    .for("update", { skipLocked: true });
  return row;
}

export async function eventsAfter(db: Db, afterId: number, limit: number): Promise<EventRow[]> {
  return db.select().from(events).where(gt(events.id, afterId)).orderBy(asc(events.id)).limit(limit);
}

/** Moves the cursor past a delivered batch and clears any failure. */
export async function advanceEventCursor(db: Db, consumer: string, deliveredThrough: number): Promise<void> {
  await db
    .update(eventCursors)
    .set({ deliveredThrough, failures: 0, retryAt: null, lastError: null, updatedAt: sql`now()` })
    .where(eq(eventCursors.consumer, consumer));
}

/** Counts a failed batch and sets when to try again. */
export async function recordEventFailure(db: Db, consumer: string, failures: number, retryAt: Date, error: string): Promise<void> {
  await db
    .update(eventCursors)
    .set({ failures, retryAt, lastError: error, updatedAt: sql`now()` })
    .where(eq(eventCursors.consumer, consumer));
}

export async function eventCursorsOf(db: Db, consumers: readonly string[]): Promise<EventCursorRow[]> {
  if (consumers.length === 0) return [];
  return db
    .select()
    .from(eventCursors)
    .where(inArray(eventCursors.consumer, [...consumers]));
}

/**
 * Deletes up to `limit` events created before `before` that every one of `consumers` has been given (all of
 * them when there is no consumer), and, whoever has them, events created before `dropBefore`. Returns how
 * many of each went.
 */
export async function pruneEvents(
  db: Db,
  opts: { consumers: readonly string[]; before: Date; dropBefore: Date; limit: number },
): Promise<{ delivered: number; undelivered: number }> {
  let through = Number.MAX_SAFE_INTEGER;
  if (opts.consumers.length > 0) {
    const [row] = await db
      .select({ through: min(eventCursors.deliveredThrough) })
      .from(eventCursors)
      .where(inArray(eventCursors.consumer, [...opts.consumers]));
    through = row?.through ?? 0;
  }
  const deleteWhere = async (where: ReturnType<typeof and>) => {
    const batch = db.select({ id: events.id }).from(events).where(where).orderBy(asc(events.id)).limit(opts.limit);
    const rows = await db.delete(events).where(inArray(events.id, batch)).returning({ id: events.id });
    return rows.length;
  };
  const delivered = await deleteWhere(and(lt(events.createdAt, opts.before), lte(events.id, through)));
  const undelivered = await deleteWhere(lt(events.createdAt, opts.dropBefore));
  return { delivered, undelivered };
}
