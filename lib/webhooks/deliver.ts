/**
 * Delivering queued attempts (docs/webhooks.md "Delivery"). The outbox consumer (consumer.ts) queues attempt 1
 * of each (webhook, event); the sender (loop.ts) claims due attempts under a lease, sends each once
 * (send.ts), records the outcome on its row and, on 429/5xx or a network error, queues the next attempt after
 * MLflow's backoff (1 s, 2 s, 4 s … at most 60 s) or the receiver's Retry-After, up to
 * MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES retries. A sender that dies mid-attempt leaves its lease to run out;
 * the attempt is then sent again with the same X-MLflow-Delivery-Id, so a receiver can tell.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import type { EventRow } from "@/db/queries/events";
import {
  claimDueDeliveries,
  findWebhook,
  finishDelivery,
  type NewWebhookDeliveryRow,
  type WebhookDeliveryRow,
  type WebhookRow,
} from "@/db/queries/webhooks";
import type { WebhookSettings } from "@/lib/config";
import { mapLimit } from "@/lib/util/map-limit";
import { decryptSecret, SecretUnreadable } from "./secret";
import { isRetryable, sendAttempt, webhookBody, type AttemptOutcome } from "./send";
import { checkUrlShape, WebhookUrlError } from "./url";

/** The longest Retry-After honoured; a longer one is cut to this. */
const MAX_RETRY_AFTER_MS = 600_000;
const MAX_BACKOFF_MS = 60_000;
const SEND_CONCURRENCY = 4;
export const SEND_BATCH = 20;

/** Attempt 1 of delivering `event` to `webhook`. */
export function firstAttempt(
  webhook: Pick<WebhookRow, "id">,
  event: Pick<EventRow, "id" | "type" | "payload" | "createdAt">,
): NewWebhookDeliveryRow {
  return {
    webhookId: webhook.id,
    eventId: event.id,
    eventType: event.type,
    deliveryId: randomUUID(),
    attempt: 1,
    body: webhookBody(event.type, event.payload, event.createdAt),
    dueAt: event.createdAt,
  };
}

/** The wait before attempt `attempt + 1`: the receiver's Retry-After, else MLflow's backoff (urllib3, factor 1, at most 60 s). */
export function retryDelayMs(attempt: number, retryAfterMs: number | null): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1));
}

/** How long a claimed attempt is held: long enough for one attempt and its bookkeeping, so a live sender never loses it. */
export const leaseUntil = (at: number, settings: WebhookSettings) => new Date(at + settings.requestTimeoutMs * 2 + 30_000);

/**
 * Sends attempt `row` to `webhook` once (its URL and secret as they are now) and records the outcome; with
 * `retry`, a retryable failure also queues the next attempt after the backoff or Retry-After. A URL that is no
 * longer allowed or a secret that cannot be read is recorded as the attempt's error, not sent.
 */
export async function attemptDelivery(
  db: Db,
  webhook: WebhookRow,
  row: WebhookDeliveryRow,
  settings: WebhookSettings,
  { retry, now = Date.now }: { retry: boolean; now?: () => number },
): Promise<AttemptOutcome> {
  let secret: string | null = null;
  try {
    checkUrlShape(webhook.url, settings);
    if (webhook.secretEncrypted) secret = decryptSecret(webhook.secretEncrypted);
  } catch (err) {
    if (!(err instanceof WebhookUrlError || err instanceof SecretUnreadable)) throw err;
    return stopped(db, row, err.message);
  }
  const outcome = await sendAttempt({ url: webhook.url, body: row.body, deliveryId: row.deliveryId, secret, settings, now });
  const again = retry && isRetryable(outcome) && row.attempt <= settings.maxRetries;
  const next: NewWebhookDeliveryRow | undefined = again
    ? {
        webhookId: row.webhookId,
        eventId: row.eventId,
        eventType: row.eventType,
        deliveryId: row.deliveryId,
        attempt: row.attempt + 1,
        body: row.body,
        dueAt: new Date(now() + retryDelayMs(row.attempt, outcome.retryAfterMs)),
      }
    : undefined;
  await finishDelivery(
    db,
    row.id,
    { statusCode: outcome.statusCode, responseSnippet: outcome.responseSnippet, error: outcome.error, durationMs: outcome.durationMs },
    next,
  );
  return outcome;
}

/** Records an attempt that was not sent, and why. */
async function stopped(db: Db, row: WebhookDeliveryRow, error: string): Promise<AttemptOutcome> {
  await finishDelivery(db, row.id, { statusCode: null, responseSnippet: null, error, durationMs: 0 });
  return { statusCode: null, responseSnippet: null, retryAfterMs: null, error, refused: true, durationMs: 0 };
}

/** Sends one queued attempt of an event now; a webhook deleted or disabled since it was queued gets nothing. */
async function sendOne(db: Db, row: WebhookDeliveryRow, settings: WebhookSettings, now = Date.now): Promise<AttemptOutcome> {
  const webhook = await findWebhook(db, row.webhookId);
  if (!webhook) return stopped(db, row, "The webhook was deleted.");
  if (webhook.status !== "ACTIVE") return stopped(db, row, "The webhook was disabled before this attempt.");
  return attemptDelivery(db, webhook, row, settings, { retry: true, now });
}

/** Claims and sends what is due (at most SEND_BATCH attempts, SEND_CONCURRENCY at a time); how many were sent. */
export async function sendDueDeliveries(db: Db, settings: WebhookSettings, now = Date.now): Promise<number> {
  const at = now();
  const due = await claimDueDeliveries(db, new Date(at), leaseUntil(at, settings), SEND_BATCH);
  await mapLimit(due, SEND_CONCURRENCY, async (row) => {
    try {
      await sendOne(db, row, settings, now);
    } catch (err) {
      // The lease runs out and the attempt is claimed again.
      console.warn(`[atrium] webhooks: delivery ${row.deliveryId} attempt ${row.attempt} failed:`, err);
    }
  });
  return due.length;
}
