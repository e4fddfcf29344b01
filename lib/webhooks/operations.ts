/**
 * MLflow's webhook API (mlflow/server/handlers.py `_create_webhook` … `_test_webhook`, answers as
 * mlflow/protos/webhooks.proto): rows of the MLflow operation table (lib/tracking/http/operations.ts), admin
 * only as in MLflow's auth app. The secret is stored encrypted (secret.ts) and never answered.
 */
import { randomUUID } from "node:crypto";
import {
  countWebhooks,
  deleteWebhookRow,
  findWebhook,
  insertDelivery,
  insertWebhook,
  listWebhookPage,
  updateWebhookRow,
  type NewWebhookRow,
  type WebhookRow,
} from "@/db/queries/webhooks";
import { getConfig } from "@/lib/config";
import type { Body, TrackingContext } from "@/lib/tracking/context";
import { doesNotExist, invalidParam, TrackingError } from "@/lib/tracking/errors";
import type { Input } from "@/lib/tracking/http/schemas";
import { fromProtoEvent, toProtoEvent, type WebhookEventName } from "./events";
import { exampleEvent } from "./examples";
import { attemptDelivery, leaseUntil } from "./deliver";
import { encryptSecret } from "./secret";
import { webhookBody } from "./send";
import type { EventInput, webhookSchemas as s } from "./schemas";
import { checkWebhookUrl, WebhookUrlError } from "./url";

/** Webhooks the portal keeps at most; MLflow has no limit, a table without one is a hole. */
export const MAX_WEBHOOKS = 500;
const MAX_LIST = 1000;
const MAX_NAME = 256;
const MAX_URL = 2048;
const MAX_DESCRIPTION = 5000;
const MAX_SECRET = 1024;

/** The proto's Webhook as JSON; no secret. */
export function webhookJson(w: WebhookRow): Body {
  return {
    webhook_id: w.id,
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    url: w.url,
    events: w.events.map(toProtoEvent),
    status: w.status,
    creation_timestamp: w.creationTimestamp,
    last_updated_timestamp: w.lastUpdatedTimestamp,
  };
}

function eventNames(events: readonly EventInput[]): WebhookEventName[] {
  if (events.length === 0) throw invalidParam("Webhook events cannot be empty");
  const names = events.map((e) => {
    if (!e.entity || !e.action) throw invalidParam("Each webhook event needs an entity and an action.");
    const found = fromProtoEvent({ entity: e.entity, action: e.action });
    if ("error" in found) throw invalidParam(found.error);
    return found.name;
  });
  return [...new Set(names)];
}

const checkLength = (value: string | undefined, max: number, field: string) => {
  if (value !== undefined && value.length > max) throw invalidParam(`Webhook ${field} must be at most ${max} characters long.`);
};

function checkName(name: string | undefined) {
  if (name !== undefined && !name.trim()) throw invalidParam("Webhook name cannot be empty");
  checkLength(name, MAX_NAME, "name");
}

async function checkUrl(url: string) {
  checkLength(url, MAX_URL, "URL");
  try {
    await checkWebhookUrl(url, getConfig().webhooks);
  } catch (err) {
    if (err instanceof WebhookUrlError) throw invalidParam(err.message);
    throw err;
  }
}

async function webhookOrThrow(ctx: TrackingContext, id: string): Promise<WebhookRow> {
  const row = await findWebhook(ctx.db, id);
  if (!row) throw doesNotExist(`Webhook with ID ${id} not found.`);
  return row;
}

const now = (ctx: TrackingContext) => (ctx.now ? ctx.now() : Date.now());

export async function createWebhook(ctx: TrackingContext, input: Input<typeof s.create>): Promise<Body> {
  checkName(input.name);
  checkLength(input.description, MAX_DESCRIPTION, "description");
  checkLength(input.secret, MAX_SECRET, "secret");
  const events = eventNames(input.events);
  await checkUrl(input.url);
  if ((await countWebhooks(ctx.db)) >= MAX_WEBHOOKS)
    throw new TrackingError("BAD_REQUEST", `There are already ${MAX_WEBHOOKS} webhooks, the most this server keeps; delete one first.`);
  const at = now(ctx);
  const row = await insertWebhook(ctx.db, {
    id: randomUUID().replace(/-/g, ""),
    name: input.name,
    description: input.description || null,
    url: input.url,
    events,
    status: input.status ?? "ACTIVE",
    secretEncrypted: input.secret ? encryptSecret(input.secret) : null,
    creationTimestamp: at,
    lastUpdatedTimestamp: at,
  });
  return { webhook: webhookJson(row) };
}

/** MLflow's page token: base64 of `{"offset": n}` (mlflow/utils/search_utils.py). */
function readPageToken(token: string | undefined): number {
  if (!token) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset?: unknown }).offset;
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the refusal.
  }
  throw invalidParam("Invalid page token, could not base64-decode");
}

const pageToken = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString("base64");

export async function listWebhooks(ctx: TrackingContext, input: Input<typeof s.list>): Promise<Body> {
  const max = input.max_results ?? 100;
  if (max < 1 || max > MAX_LIST) throw invalidParam(`max_results must be between 1 and ${MAX_LIST}, got ${max}.`);
  const offset = readPageToken(input.page_token);
  const rows = await listWebhookPage(ctx.db, offset, max + 1);
  const page = rows.slice(0, max);
  return {
    ...(page.length > 0 ? { webhooks: page.map(webhookJson) } : {}),
    ...(rows.length > max ? { next_page_token: pageToken(offset + max) } : {}),
  };
}

export async function getWebhook(ctx: TrackingContext, input: Input<typeof s.id>): Promise<Body> {
  return { webhook: webhookJson(await webhookOrThrow(ctx, input.webhook_id)) };
}

export async function updateWebhook(ctx: TrackingContext, input: Input<typeof s.update>): Promise<Body> {
  await webhookOrThrow(ctx, input.webhook_id);
  checkName(input.name);
  checkLength(input.description, MAX_DESCRIPTION, "description");
  checkLength(input.secret, MAX_SECRET, "secret");
  const change: Partial<NewWebhookRow> = { lastUpdatedTimestamp: now(ctx) };
  if (input.name !== undefined) change.name = input.name;
  if (input.description !== undefined) change.description = input.description || null;
  if (input.url !== undefined) {
    await checkUrl(input.url);
    change.url = input.url;
  }
  if (input.events.length > 0) change.events = eventNames(input.events);
  if (input.secret !== undefined) change.secretEncrypted = input.secret ? encryptSecret(input.secret) : null;
  if (input.status !== undefined) change.status = input.status;
  const row = await updateWebhookRow(ctx.db, input.webhook_id, change);
  if (!row) throw doesNotExist(`Webhook with ID ${input.webhook_id} not found.`);
  return { webhook: webhookJson(row) };
}

export async function deleteWebhook(ctx: TrackingContext, input: Input<typeof s.id>): Promise<Body> {
  if (!(await deleteWebhookRow(ctx.db, input.webhook_id))) throw doesNotExist(`Webhook with ID ${input.webhook_id} not found.`);
  return {};
}

/**
 * MLflow's `test_webhook` (mlflow/webhooks/delivery.py): the example payload of the asked event (else the
 * webhook's first), sent now, once; the answer says how it went. Recorded as an attempt without an event.
 */
export async function testWebhook(ctx: TrackingContext, input: Input<typeof s.test>): Promise<Body> {
  const webhook = await webhookOrThrow(ctx, input.webhook_id);
  const event = input.event ? eventNames([input.event])[0] : (webhook.events[0] as WebhookEventName | undefined);
  if (!event) throw invalidParam("The webhook has no events to test.");
  const settings = getConfig().webhooks;
  const at = now(ctx);
  const row = await insertDelivery(ctx.db, {
    webhookId: webhook.id,
    eventId: null,
    eventType: event,
    deliveryId: randomUUID(),
    attempt: 1,
    body: webhookBody(event, exampleEvent(event), new Date(at)),
    dueAt: new Date(at),
    // Sent right here, not by the sender loop.
    claimedUntil: leaseUntil(at, settings),
  });
  const outcome = await attemptDelivery(ctx.db, webhook, row, settings, { retry: false });
  const failed = (message: string): Body => ({ result: { success: false, error_message: `Failed to test webhook: ${message}` } });
  if (outcome.statusCode === null) return failed(outcome.error ?? "no answer");
  return {
    result: {
      success: outcome.statusCode < 400,
      response_status: outcome.statusCode,
      ...(outcome.responseSnippet ? { response_body: outcome.responseSnippet } : {}),
    },
  };
}
