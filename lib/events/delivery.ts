/**
 * Hands stored events (outbox.ts) to consumers (consumers.ts). Per consumer, per batch, one transaction: lock
 * its cursor row (FOR UPDATE SKIP LOCKED: a replica delivering to it now makes this one skip it), read the next
 * events after the cursor, call the consumer, move the cursor, commit. So two replicas never hand a consumer the
 * same event, and a restart carries on from the committed cursor. A consumer that throws leaves its cursor and
 * is tried again after a backoff; the others are not held up.
 */
import type { Db } from "@/db/client";
import { advanceEventCursor, ensureEventCursors, eventsAfter, lockEventCursor, pruneEvents, recordEventFailure } from "@/db/queries/events";
import type { EventConsumer } from "./consumers";

export interface DeliveryOptions {
  /** Events per batch (one transaction). */
  batchSize?: number;
  /** Batches per consumer per pass, so a long backlog does not keep one pass going for ever. */
  maxBatches?: number;
  /** How long a consumer may take over one batch; past it the batch counts as failed. */
  deadlineMs?: number;
  /** Wait before the n-th retry in a row. */
  backoffMs?: (failures: number) => number;
  now?: () => number;
}

const EVENT_BATCH_SIZE = 100;
const MAX_BATCHES_PER_PASS = 10;
const DEADLINE_MS = 30_000;
/** 1 s, 2 s, 4 s … at most 5 min between tries. */
export const backoffMs = (failures: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, failures - 1));

/** The consumer's promise, or an error when it runs past `ms` (after aborting `controller`). */
async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} took longer than ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

/** Delivers what is waiting for one consumer; returns how many events it took (0 when it was busy elsewhere or waiting to retry). */
async function deliverToConsumer(db: Db, consumer: EventConsumer, opts: DeliveryOptions = {}): Promise<number> {
  const batchSize = opts.batchSize ?? EVENT_BATCH_SIZE;
  const now = opts.now ?? Date.now;
  let delivered = 0;
  for (let i = 0; i < (opts.maxBatches ?? MAX_BATCHES_PER_PASS); i++) {
    let failures = 0;
    let taken: number;
    try {
      taken = await db.transaction(async (tx) => {
        const cursor = await lockEventCursor(tx, consumer.name, new Date(now()));
        if (!cursor) return 0;
        failures = cursor.failures;
        const batch = await eventsAfter(tx, cursor.deliveredThrough, batchSize);
        const last = batch.at(-1);
        if (!last) return 0;
        await withDeadline((signal) => consumer.deliver(batch, { db: tx, signal }), opts.deadlineMs ?? DEADLINE_MS, consumer.name);
        await advanceEventCursor(tx, consumer.name, last.id);
        return batch.length;
      });
    } catch (err) {
      const next = failures + 1;
      const wait = (opts.backoffMs ?? backoffMs)(next);
      console.warn(`[atrium] events: consumer ${consumer.name} failed (${next} in a row), retrying in ${wait} ms: ${messageOf(err)}`);
      await recordEventFailure(db, consumer.name, next, new Date(now() + wait), messageOf(err));
      return delivered;
    }
    delivered += taken;
    if (taken < batchSize) break;
  }
  return delivered;
}

/** One pass: every consumer, side by side, so a slow or failing one holds up no other. */
export async function deliverEvents(db: Db, consumers: readonly EventConsumer[], opts: DeliveryOptions = {}): Promise<Map<string, number>> {
  await ensureEventCursors(
    db,
    consumers.map((c) => c.name),
  );
  const results = await Promise.allSettled(consumers.map((c) => deliverToConsumer(db, c, opts)));
  const counts = new Map<string, number>();
  for (const [i, r] of results.entries()) {
    const name = consumers[i]?.name ?? "";
    if (r.status === "fulfilled") counts.set(name, r.value);
    else console.warn(`[atrium] events: delivering to ${name} failed:`, r.reason);
  }
  return counts;
}

const EVENT_PRUNE_LIMIT = 10_000;

/**
 * Deletes events every consumer has had once they are `retentionDays` old, and any event four times that old
 * (a consumer that failed for that long has lost it; said in the log).
 */
export async function pruneDeliveredEvents(db: Db, consumers: readonly EventConsumer[], retentionDays: number, now = Date.now()) {
  const day = 86_400_000;
  const pruned = await pruneEvents(db, {
    consumers: consumers.map((c) => c.name),
    before: new Date(now - retentionDays * day),
    dropBefore: new Date(now - 4 * retentionDays * day),
    limit: EVENT_PRUNE_LIMIT,
  });
  if (pruned.undelivered > 0)
    console.warn(`[atrium] events: dropped ${pruned.undelivered} events older than ${4 * retentionDays} days that a consumer never took`);
  return pruned;
}
