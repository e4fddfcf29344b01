/**
 * The outbox consumer behind registry webhooks (lib/events/consumers.ts): for each event, attempt 1 of a
 * delivery to every ACTIVE webhook subscribed to its type and created before it, queued with the
 * transaction that moves this consumer's cursor, so each event is queued once per webhook across restarts
 * and replicas. No request is made here: the sender (deliver.ts, loop.ts) does that, so a slow receiver holds
 * up neither this cursor nor any other consumer.
 */
import { activeWebhooksFor, enqueueDeliveries } from "@/db/queries/webhooks";
import type { EventConsumer } from "@/lib/events/consumers";
import { firstAttempt } from "./deliver";
import { isWebhookEvent } from "./events";

export const webhooksConsumer: EventConsumer = {
  name: "webhooks",
  async deliver(events, { db }) {
    const types = [...new Set(events.map((e) => e.type))].filter(isWebhookEvent);
    const hooks = await activeWebhooksFor(db, types);
    if (hooks.length === 0) return;
    const rows = events.flatMap((e) =>
      hooks.filter((h) => h.events.includes(e.type) && e.createdAt.getTime() >= h.creationTimestamp).map((h) => firstAttempt(h, e)),
    );
    await enqueueDeliveries(db, rows);
  },
};
