/**
 * Who hears about events (outbox.ts): each consumer gets every event once, in id order, through the leader's
 * loop (delivery.ts). Registry webhooks and model endpoints that follow an alias are added here.
 */
import type { Db } from "@/db/client";
import type { EventRow } from "@/db/queries/events";
import { aliasFollowersConsumer } from "@/lib/serving/follow-alias";
import { webhooksConsumer } from "@/lib/webhooks/consumer";

export type DeliveredEvent = EventRow;

export interface EventConsumer {
  /** Stable and unique: its cursor (event_cursors) is stored under this name. */
  name: string;
  /**
   * Takes a batch of events in id order. `db` is the transaction that also moves this consumer's cursor past
   * the batch: what the consumer writes with it is committed together with the cursor, so it happens exactly
   * once. Anything else it does (a request to another system) may happen again: the batch comes back when the
   * consumer throws, runs past its deadline (`signal` aborts) or the process dies before the commit, so such an
   * effect must be idempotent by event id. Throwing gives the whole batch back, retried with backoff; other
   * consumers go on.
   */
  deliver(events: readonly DeliveredEvent[], ctx: { db: Db; signal: AbortSignal }): Promise<void>;
}

/** The consumers the leader's events loop (loop.ts) delivers to. */
export const EVENT_CONSUMERS: readonly EventConsumer[] = [webhooksConsumer, aliasFollowersConsumer];
