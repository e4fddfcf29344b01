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

interface About {
  name: string;
  /** Absent: the event is about the registered model itself. */
  version?: string;
  payload: Record<string, unknown>;
}

const aboutModel = (model: RegisteredModelRow, fields: Record<string, unknown>): About => ({
  name: model.name,
  payload: { name: model.name, ...fields },
});

const aboutVersion = ({ version: mv }: ModelVersionTarget, fields: Record<string, unknown>): About => {
  const version = String(mv.version);
  return { name: mv.name, version, payload: { name: mv.name, version, ...fields } };
};

/**
 * The `emits` of a change to a stored model or version: `promptType` when the model is a prompt (the stored
 * tag, after the change), else `modelType` (null: no event).
 */
function changeOf<I, T>(modelType: string | null, promptType: string, about: (input: I, target: T) => About) {
  return async (ctx: TrackingContext, input: I, _result: Body, target: T): Promise<EventDraft[]> => {
    const { name, version, payload } = about(input, target);
    const type = (await isPrompt(ctx, name)) ? promptType : modelType;
    if (!type) return [];
    return event(type, version === undefined ? modelEntity(name) : versionEntity(name, version), payload);
  };
}

export const modelVersionTagSet = changeOf(
  "model_version_tag.set",
  "prompt_version_tag.set",
  ({ key, value }: Input<typeof registry.setVersionTag>, target: ModelVersionTarget) => aboutVersion(target, { key, value }),
);

export const modelVersionTagDeleted = changeOf(
  "model_version_tag.deleted",
  "prompt_version_tag.deleted",
  ({ key }: Input<typeof registry.deleteVersionTag>, target: ModelVersionTarget) => aboutVersion(target, { key }),
);

export const aliasCreated = changeOf(
  "model_version_alias.created",
  "prompt_alias.created",
  ({ alias, version }: Input<typeof registry.setAlias>, model: RegisteredModelRow) =>
    aboutModel(model, { alias, version: String(version) }),
);

export const aliasDeleted = changeOf(
  "model_version_alias.deleted",
  "prompt_alias.deleted",
  ({ alias }: Input<typeof registry.alias>, model: RegisteredModelRow) => aboutModel(model, { alias }),
);

/** A tag on an ordinary registered model emits nothing; on a prompt, `prompt_tag.*`. */
export const promptTagSet = changeOf(
  null,
  "prompt_tag.set",
  ({ key, value }: Input<typeof registry.setModelTag>, model: RegisteredModelRow) => aboutModel(model, { key, value }),
);

export const promptTagDeleted = changeOf(
  null,
  "prompt_tag.deleted",
  ({ key }: Input<typeof registry.deleteModelTag>, model: RegisteredModelRow) => aboutModel(model, { key }),
);
