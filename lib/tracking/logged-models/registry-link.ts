/** How a registry version and an MLflow 3 logged model point at each other (model-versions/create). */
import type { Db } from "@/db/client";
import { findLoggedModelOfRun, loggedModelDataOf, upsertLoggedModelTags, type LoggedModelRow } from "@/db/queries/logged-models";
import { loggedModelOrThrow } from "../http/targets";
import { pythonJson } from "@/lib/util/python-json";

/** The tag MLflow 3 keeps on a logged model listing the registry versions made from it. */
const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

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

interface VersionEntry {
  name?: unknown;
  version?: unknown;
}

function entriesOf(value: string | undefined): VersionEntry[] {
  try {
    const parsed: unknown = value ? JSON.parse(value) : [];
    return Array.isArray(parsed) ? (parsed as VersionEntry[]) : [];
  } catch {
    // A hand-edited tag that is not JSON is replaced rather than failing the registration.
    return [];
  }
}

/** Each registered version once, the first spelling kept (`1` and `"1"` are the same version). */
function distinct(entries: VersionEntry[]): VersionEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const id = JSON.stringify([e.name, String(e.version)]);
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/**
 * Adds `{"name": ..., "version": <number>}` to the model's `mlflow.modelVersions` tag, in the JSON
 * mlflow/tracking/_model_registry/fluent.py `_register_model` writes (json.dumps of the list), so the
 * portal's own registrations list where a model is registered too.
 */
export async function noteModelVersion(db: Db, model: LoggedModelRow, name: string, version: number, now: number): Promise<void> {
  const data = (await loggedModelDataOf(db, [model.modelId])).get(model.modelId);
  const current = data?.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  const list = distinct([...entriesOf(current), { name, version }]);
  await upsertLoggedModelTags(db, model.modelId, [{ key: MODEL_VERSIONS_TAG, value: pythonJson(list) }], now);
}

/**
 * The stock client, after model-versions/create, reads the tag and sets it to what it read plus its own
 * entry (fluent.py `_register_model`); the server noted the version already, so the repeat is dropped and
 * the tag lists each version once, as it does against MLflow's server.
 */
export function normalizeModelVersionsTag(tag: { key: string; value: string }): { key: string; value: string } {
  if (tag.key !== MODEL_VERSIONS_TAG) return tag;
  let parsed: unknown;
  try {
    parsed = JSON.parse(tag.value);
  } catch {
    return tag;
  }
  return Array.isArray(parsed) ? { key: tag.key, value: pythonJson(distinct(parsed as VersionEntry[])) } : tag;
}
