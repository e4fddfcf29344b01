/**
 * The input of MLflow's webhook operations (mlflow/protos/webhooks.proto CreateWebhook, ListWebhooks,
 * GetWebhook, UpdateWebhook, DeleteWebhook, TestWebhook), read as the rest of the MLflow surface reads its
 * input (lib/tracking/http/fields.ts): enums by name or number, unknown fields ignored.
 */
import { z } from "zod";
import { int64, list, oneOf, requiredText, text } from "@/lib/tracking/http/fields";

const ENTITIES = [
  "ENTITY_UNSPECIFIED",
  "REGISTERED_MODEL",
  "MODEL_VERSION",
  "MODEL_VERSION_TAG",
  "MODEL_VERSION_ALIAS",
  "PROMPT",
  "PROMPT_VERSION",
  "PROMPT_TAG",
  "PROMPT_VERSION_TAG",
  "PROMPT_ALIAS",
] as const;
const ACTIONS = ["ACTION_UNSPECIFIED", "CREATED", "UPDATED", "DELETED", "SET"] as const;
const WEBHOOK_STATUSES = ["ACTIVE", "DISABLED"] as const;

const event = z.object({ entity: oneOf(ENTITIES, 0), action: oneOf(ACTIONS, 0) });
export type EventInput = z.output<typeof event>;

const id = { webhook_id: requiredText() };

export const webhookSchemas = {
  create: z.object({
    name: requiredText(),
    description: text(),
    url: requiredText(),
    events: list(event),
    secret: text(),
    status: oneOf(WEBHOOK_STATUSES),
  }),
  list: z.object({ max_results: int64(), page_token: text() }),
  id: z.object(id),
  update: z.object({
    ...id,
    name: text(),
    description: text(),
    url: text(),
    events: list(event),
    secret: text(),
    status: oneOf(WEBHOOK_STATUSES),
  }),
  test: z.object({ ...id, event: event.optional() }),
};
