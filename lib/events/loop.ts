import type { Db } from "@/db/client";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { startLoop } from "@/lib/util/loop";
import { EVENT_CONSUMERS, type EventConsumer } from "./consumers";
import { deliverEvents, pruneDeliveredEvents, type DeliveryOptions } from "./delivery";

const PRUNE_EVERY_MS = 3_600_000;

export interface EventsLoopOptions extends DeliveryOptions {
  tickMs: number;
  retentionDays: number;
  consumers?: readonly EventConsumer[];
  /** The database (tests); the process's handle otherwise. */
  db?: () => Promise<Db>;
}

/**
 * The leader's event delivery (server.ts starts it with the other loops): every `tickMs` a pass over every
 * consumer, and once an hour (and at start) the events every consumer has had are pruned. Returns its stop.
 */
export function startEventsLoop(opts: EventsLoopOptions = { ...getConfig().events }): () => void {
  const consumers = opts.consumers ?? EVENT_CONSUMERS;
  const openDb = opts.db ?? getDb;
  let prunedAt = -Infinity;
  return startLoop("events delivery", opts.tickMs, async () => {
    const db = await openDb();
    await deliverEvents(db, consumers, opts);
    if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = Date.now();
      await pruneDeliveredEvents(db, consumers, opts.retentionDays);
    }
  });
}
