/**
 * What the admin webhooks page shows (app/admin/webhooks/page.tsx, docs/webhooks.md "The admin page"): the
 * webhooks, newest first, each with its newest delivery attempts and what became of them. No secret and no
 * request body leave this module; an answer is the receiver's first bytes as stored, cut again for display.
 */
import type { Db } from "@/db/client";
import { countWebhooks, listWebhookPage, recentDeliveriesOf, type WebhookDeliveryRow } from "@/db/queries/webhooks";

/** Webhooks listed on the page; the rest are named by count (the API lists them all). */
const WEBHOOKS_SHOWN = 100;
/** Attempts shown per webhook. */
export const DELIVERIES_SHOWN = 20;
/** Characters of a receiver's answer shown (of the 4 KiB kept). */
export const ANSWER_SHOWN = 500;

type DeliveryState = "delivered" | "failed" | "sending" | "queued";

export interface DeliveryView {
  id: number;
  deliveryId: string;
  /** "model_version.created"; a test says so. */
  event: string;
  test: boolean;
  attempt: number;
  state: DeliveryState;
  statusCode: number | null;
  answer: string | null;
  /** The answer was longer than what is shown. */
  answerCut: boolean;
  error: string | null;
  durationMs: number | null;
  /** When it was queued, and when it was (or is to be) sent. */
  createdAt: string;
  dueAt: string;
  finishedAt: string | null;
}

export interface WebhookView {
  id: string;
  name: string;
  description: string | null;
  url: string;
  events: string[];
  active: boolean;
  signed: boolean;
  createdAt: number;
  deliveries: DeliveryView[];
}

function stateOf(row: WebhookDeliveryRow, now: number): DeliveryState {
  if (row.finishedAt) return row.statusCode !== null && row.statusCode < 400 ? "delivered" : "failed";
  return row.claimedUntil && row.claimedUntil.getTime() > now ? "sending" : "queued";
}

function deliveryView(row: WebhookDeliveryRow, now = Date.now()): DeliveryView {
  const answer = row.responseSnippet;
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    event: row.eventType,
    test: row.eventId === null,
    attempt: row.attempt,
    state: stateOf(row, now),
    statusCode: row.statusCode,
    answer: answer === null ? null : answer.slice(0, ANSWER_SHOWN),
    answerCut: answer !== null && answer.length > ANSWER_SHOWN,
    error: row.error,
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function webhooksOverview(db: Db): Promise<{ webhooks: WebhookView[]; total: number }> {
  const [rows, total] = await Promise.all([listWebhookPage(db, 0, WEBHOOKS_SHOWN), countWebhooks(db)]);
  const deliveries = await recentDeliveriesOf(
    db,
    rows.map((w) => w.id),
    DELIVERIES_SHOWN,
  );
  const now = Date.now();
  return {
    total,
    webhooks: rows.map((w) => ({
      id: w.id,
      name: w.name,
      description: w.description,
      url: w.url,
      events: w.events,
      active: w.status === "ACTIVE",
      signed: w.secretEncrypted !== null,
      createdAt: w.creationTimestamp,
      deliveries: deliveries.filter((d) => d.webhookId === w.id).map((d) => deliveryView(d, now)),
    })),
  };
}
