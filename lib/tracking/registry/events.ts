/**
 * The events registry operations emit (operations.ts `emits`, written by dispatch in the operation's
 * transaction, lib/events/outbox.ts): MLflow 3's webhook events with their payloads, as its server fires them
 * (mlflow/webhooks/types.py, mlflow/entities/webhook.py, mlflow/server/handlers.py). A prompt is a registered
 * model with the tag `mlflow.prompt.is_prompt`; its changes emit the `prompt*` events *instead of* the model
 * ones. A create is a prompt when its request carries that tag (any value); a later change looks at the stored
 * tag (value "true", any case). A tag set on an ordinary registered model emits nothing, as in MLflow.
 */
import type { RegisteredModelRow } from "@/db/queries/registry";
import { modelTagRows } from "@/db/queries/registry";
import type { EventDraft } from "@/lib/events/outbox";
import type { Body, TrackingContext } from "../context";
import type { Input, registry } from "../http/schemas";
import type { ModelVersionTarget } from "../http/targets";
import { PROMPT_TAG } from "../search/registry-sql";

/** Where a prompt version keeps its template (mlflow/prompt/constants.py PROMPT_TEXT_TAG_KEY). */
const PROMPT_TEXT_TAG = "mlflow.prompt.text";

type Tags = readonly { key: string; value: string }[];
const tagMap = (tags: Tags) => Object.fromEntries(tags.map((t) => [t.key, t.value]));

const modelEntity = (name: string) => ({ type: "registered_model", id: name });
const versionEntity = (name: string, version: string) => ({ type: "model_version", id: `${name}/${version}` });

const event = (type: string, entity: EventDraft["entity"], payload: Record<string, unknown>): EventDraft[] => [{ type, entity, payload }];

/** `_is_prompt(name)`: the stored tag, read in the operation's transaction (so after its own change). */
async function isPrompt(ctx: TrackingContext, name: string): Promise<boolean> {
  const tags = await modelTagRows.get(ctx.db, { name });
  return tags.some((t) => t.key === PROMPT_TAG && t.value.toLowerCase() === "true");
}

const askedForPrompt = (tags: Tags) => tags.some((t) => t.key === PROMPT_TAG);

export async function registeredModelCreated(ctx: TrackingContext, input: Input<typeof registry.createModel>): Promise<EventDraft[]> {
  const type = askedForPrompt(input.tags) ? "prompt.created" : "registered_model.created";
  return event(type, modelEntity(input.name), { name: input.name, tags: tagMap(input.tags), description: input.description ?? "" });
}

export async function modelVersionCreated(
  _ctx: TrackingContext,
  input: Input<typeof registry.createVersion>,
  result: Body,
): Promise<EventDraft[]> {
  const created = result.model_version as { version?: unknown } | undefined;
  const version = String(created?.version ?? "");
  const description = input.description || null;
  if (askedForPrompt(input.tags)) {
    const tags = input.tags.filter((t) => t.key !== PROMPT_TEXT_TAG);
    const template = input.tags.findLast((t) => t.key === PROMPT_TEXT_TAG)?.value ?? "";
    return event("prompt_version.created", versionEntity(input.name, version), {
      name: input.name,
      version,
      template,
      tags: tagMap(tags),
      description,
    });
  }
  return event("model_version.created", versionEntity(input.name, version), {
    name: input.name,
    version,
    source: input.source,
    run_id: input.run_id || null,
    tags: tagMap(input.tags),
    description,
  });
}

export async function modelVersionTagSet(
  ctx: TrackingContext,
  { key, value }: Input<typeof registry.setVersionTag>,
  _result: Body,
  { version: mv }: ModelVersionTarget,
): Promise<EventDraft[]> {
  const version = String(mv.version);
  const type = (await isPrompt(ctx, mv.name)) ? "prompt_version_tag.set" : "model_version_tag.set";
  return event(type, versionEntity(mv.name, version), { name: mv.name, version, key, value });
}

export async function modelVersionTagDeleted(
  ctx: TrackingContext,
  { key }: Input<typeof registry.deleteVersionTag>,
  _result: Body,
  { version: mv }: ModelVersionTarget,
): Promise<EventDraft[]> {
  const version = String(mv.version);
  const type = (await isPrompt(ctx, mv.name)) ? "prompt_version_tag.deleted" : "model_version_tag.deleted";
  return event(type, versionEntity(mv.name, version), { name: mv.name, version, key });
}

export async function aliasCreated(
  ctx: TrackingContext,
  { alias, version }: Input<typeof registry.setAlias>,
  _result: Body,
  model: RegisteredModelRow,
): Promise<EventDraft[]> {
  const type = (await isPrompt(ctx, model.name)) ? "prompt_alias.created" : "model_version_alias.created";
  return event(type, modelEntity(model.name), { name: model.name, alias, version: String(version) });
}

export async function aliasDeleted(
  ctx: TrackingContext,
  { alias }: Input<typeof registry.alias>,
  _result: Body,
  model: RegisteredModelRow,
): Promise<EventDraft[]> {
  const type = (await isPrompt(ctx, model.name)) ? "prompt_alias.deleted" : "model_version_alias.deleted";
  return event(type, modelEntity(model.name), { name: model.name, alias });
}

export async function promptTagSet(
  ctx: TrackingContext,
  { key, value }: Input<typeof registry.setModelTag>,
  _result: Body,
  model: RegisteredModelRow,
): Promise<EventDraft[]> {
  return (await isPrompt(ctx, model.name)) ? event("prompt_tag.set", modelEntity(model.name), { name: model.name, key, value }) : [];
}

export async function promptTagDeleted(
  ctx: TrackingContext,
  { key }: Input<typeof registry.deleteModelTag>,
  _result: Body,
  model: RegisteredModelRow,
): Promise<EventDraft[]> {
  return (await isPrompt(ctx, model.name)) ? event("prompt_tag.deleted", modelEntity(model.name), { name: model.name, key }) : [];
}
