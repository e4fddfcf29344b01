import type { Db } from "@/db/client";
import { pruneDeliveries, pruneDeliveriesBeyond } from "@/db/queries/webhooks";
import { getConfig, type WebhookSettings } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { startLoop } from "@/lib/util/loop";
import { sendDueDeliveries, SEND_BATCH } from "./deliver";

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_LIMIT = 10_000;
/** Finished attempts kept per webhook, whatever their age (docs/webhooks.md "Kept"): a busy or failing webhook cannot fill the table within the retention. */
const DELIVERIES_KEPT_PER_WEBHOOK = 1000;
/** Full batches sent back to back in one tick before the loop lets the next tick come. */
const MAX_BATCHES_PER_TICK = 10;

export interface WebhookLoopOptions {
  tickMs: number;
  /** Finished attempts older than this are deleted. */
  retentionDays: number;
  settings?: WebhookSettings;
  db?: () => Promise<Db>;
}

/**
 * The leader's webhook sender (server.ts starts it beside the events loop): every tick, the due attempts
 * (deliver.ts), again at once while a full batch was due (at most MAX_BATCHES_PER_TICK batches); once an hour, finished attempts past retention are
 * pruned, and each webhook's beyond its newest DELIVERIES_KEPT_PER_WEBHOOK (at most PRUNE_LIMIT a time each). Returns its stop.
 */
export function startWebhookSenderLoop(opts: WebhookLoopOptions): () => void {
  const settings = opts.settings ?? getConfig().webhooks;
  const openDb = opts.db ?? getDb;
  let prunedAt = -Infinity;
  return startLoop("webhook delivery", opts.tickMs, async () => {
    const db = await openDb();
    for (let i = 0; i < MAX_BATCHES_PER_TICK && (await sendDueDeliveries(db, settings)) === SEND_BATCH; i++);
    if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = Date.now();
      await pruneDeliveries(db, new Date(Date.now() - opts.retentionDays * 86_400_000), PRUNE_LIMIT);
      await pruneDeliveriesBeyond(db, DELIVERIES_KEPT_PER_WEBHOOK, PRUNE_LIMIT);
    }
  });
}
