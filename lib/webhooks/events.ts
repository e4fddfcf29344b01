/**
 * MLflow's webhook events (mlflow/entities/webhook.py VALID_ENTITY_ACTIONS, mlflow/protos/webhooks.proto):
 * stored and matched as "entity.action" strings (the outbox's event types, lib/events/outbox.ts), answered as
 * the proto's `{ entity: "MODEL_VERSION", action: "CREATED" }`.
 */
const WEBHOOK_EVENTS = [
  "registered_model.created",
  "model_version.created",
  "model_version_tag.set",
  "model_version_tag.deleted",
  "model_version_alias.created",
  "model_version_alias.deleted",
  "prompt.created",
  "prompt_version.created",
  "prompt_tag.set",
  "prompt_tag.deleted",
  "prompt_version_tag.set",
  "prompt_version_tag.deleted",
  "prompt_alias.created",
  "prompt_alias.deleted",
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export interface ProtoEvent {
  entity: string;
  action: string;
}

const KNOWN = new Set<string>(WEBHOOK_EVENTS);

export const isWebhookEvent = (name: string): name is WebhookEventName => KNOWN.has(name);

export function splitEvent(name: string): { entity: string; action: string } {
  const dot = name.indexOf(".");
  return { entity: name.slice(0, dot), action: name.slice(dot + 1) };
}

/** "model_version.created" → { entity: "MODEL_VERSION", action: "CREATED" }. */
export function toProtoEvent(name: string): ProtoEvent {
  const { entity, action } = splitEvent(name);
  return { entity: entity.toUpperCase(), action: action.toUpperCase() };
}

/**
 * The proto's event back to its name, or a sentence saying why not: MLflow's words for an entity/action pair
 * that does not go together (WebhookEvent.__init__).
 */
export function fromProtoEvent(e: ProtoEvent): { name: WebhookEventName } | { error: string } {
  const entity = e.entity.toLowerCase();
  const action = e.action.toLowerCase();
  const name = `${entity}.${action}`;
  if (isWebhookEvent(name)) return { name };
  const valid = WEBHOOK_EVENTS.filter((n) => splitEvent(n).entity === entity).map((n) => splitEvent(n).action);
  if (valid.length === 0) return { error: `Invalid webhook event entity '${e.entity}'.` };
  return { error: `Invalid action '${action}' for entity '${entity}'. Valid actions are: ${JSON.stringify([...valid].sort())}` };
}
