/** The example payload of each event, which `…/test` sends (mlflow/webhooks/types.py, each payload's `example()`). */
import type { WebhookEventName } from "./events";

const model = "example_model";
const prompt = "example_prompt";
const tags = { example_key: "example_value" };

const EXAMPLES: Record<WebhookEventName, Record<string, unknown>> = {
  "registered_model.created": { name: model, tags, description: "An example registered model" },
  "model_version.created": {
    name: model,
    version: "1",
    source: "runs:/abcd1234abcd5678/model",
    run_id: "abcd1234abcd5678",
    tags,
    description: "An example model version",
  },
  "model_version_tag.set": { name: model, version: "1", key: "example_key", value: "example_value" },
  "model_version_tag.deleted": { name: model, version: "1", key: "example_key" },
  "model_version_alias.created": { name: model, alias: "example_alias", version: "1" },
  "model_version_alias.deleted": { name: model, alias: "example_alias" },
  "prompt.created": { name: prompt, tags, description: "An example prompt" },
  "prompt_version.created": {
    name: prompt,
    version: "1",
    template: "Hello {{name}}!",
    tags,
    description: "An example prompt version",
  },
  "prompt_tag.set": { name: prompt, key: "example_key", value: "example_value" },
  "prompt_tag.deleted": { name: prompt, key: "example_key" },
  "prompt_version_tag.set": { name: prompt, version: "1", key: "example_key", value: "example_value" },
  "prompt_version_tag.deleted": { name: prompt, version: "1", key: "example_key" },
  "prompt_alias.created": { name: prompt, alias: "example_alias", version: "1" },
  "prompt_alias.deleted": { name: prompt, alias: "example_alias" },
};

export const exampleEvent = (event: WebhookEventName): Record<string, unknown> => EXAMPLES[event];
