/** How a registry version and an MLflow 3 logged model point at each other (model-versions/create). */
import type { Db } from "@/db/client";
import { findLoggedModelOfRun, loggedModelDataOf, upsertLoggedModelTags, type LoggedModelRow } from "@/db/queries/logged-models";
import { loggedModelOrThrow } from "../http/targets";

/** The tag MLflow 3 keeps on a logged model listing the registry versions made from it. */
export const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

/**
 * The logged model a registry source means, as MLflow 3's server resolves it: `models:/<model_id>`, an
 * explicit model_id, or `runs:/<run>/<name>` for the newest model that run logged under that name.
 * Undefined when the source is a plain location (MLflow 2 clients send the artifact URI itself).
 */
export async function loggedModelForSource(db: Db, source: string, modelId: string | undefined): Promise<LoggedModelRow | undefined> {
  const fromModels = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1];
  const id = modelId || fromModels;
  if (id) return loggedModelOrThrow(db, id);
  const fromRun = /^runs:\/([0-9a-f]{32})\/(.+?)\/?$/.exec(source);
  if (!fromRun?.[1] || !fromRun[2]) return undefined;
  return findLoggedModelOfRun(db, fromRun[1], fromRun[2]);
}

/** Adds `{ name, version }` to the model's `mlflow.modelVersions` tag, so the model lists where it is registered. */
export async function noteModelVersion(db: Db, model: LoggedModelRow, name: string, version: number, now: number): Promise<void> {
  const data = (await loggedModelDataOf(db, [model.modelId])).get(model.modelId);
  const current = data?.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  let list: unknown[] = [];
  try {
    const parsed: unknown = current ? JSON.parse(current) : [];
    if (Array.isArray(parsed)) list = parsed;
  } catch {
    // A hand-edited tag that is not JSON is replaced rather than failing the registration.
  }
  list.push({ name, version: String(version) });
  await upsertLoggedModelTags(db, model.modelId, [{ key: MODEL_VERSIONS_TAG, value: JSON.stringify(list) }], now);
}
