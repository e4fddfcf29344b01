/**
 * runs/log-inputs: dataset inputs of a run (docs/mlflow-rest.md §1), stored so `datasets.name`, `datasets.digest`
 * and `datasets.context` filters work in runs/search. Model inputs (MLflow 3 logged models) are accepted and
 * not stored, as logged models are out of scope.
 */
import { datasetInputsOf, insertDatasetInputs, type DatasetInputRow } from "@/db/queries/datasets";
import type { Db } from "@/db/client";
import type { KeyValue } from "@/db/queries/tracking";
import { invalidParam } from "../errors";
import { checkMaxLength } from "../validation";
import { optObjectList, optString, reqString, type Fields } from "../http/wire";

export const MAX_DATASET_NAME_LENGTH = 500;
export const MAX_DATASET_DIGEST_LENGTH = 36;
export const MAX_DATASET_SOURCE_TYPE_LENGTH = 36;
export const MAX_DATASET_SOURCE_LENGTH = 65535;
export const MAX_DATASET_SCHEMA_LENGTH = 1048575;
export const MAX_DATASET_PROFILE_LENGTH = 16777215;
export const MAX_INPUT_TAG_KEY_LENGTH = 255;
export const MAX_INPUT_TAG_VALUE_LENGTH = 500;
/** The input tag that `datasets.context` filters on ("training", "eval", …). */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";

export interface WireDatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
}

function readDatasetInput(item: Fields): DatasetInputRow {
  const raw = item.dataset;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidParam("Missing value for required parameter 'dataset'. Each dataset input needs a dataset with name, digest, source_type and source.");
  }
  const d = raw as Fields;
  const name = reqString(d, "name");
  const digest = reqString(d, "digest");
  const sourceType = reqString(d, "source_type");
  const source = reqString(d, "source");
  const schema = optString(d, "schema") || null;
  const profile = optString(d, "profile") || null;
  checkMaxLength(name, MAX_DATASET_NAME_LENGTH, "dataset.name");
  checkMaxLength(digest, MAX_DATASET_DIGEST_LENGTH, "dataset.digest");
  checkMaxLength(sourceType, MAX_DATASET_SOURCE_TYPE_LENGTH, "dataset.source_type");
  checkMaxLength(source, MAX_DATASET_SOURCE_LENGTH, "dataset.source");
  if (schema) checkMaxLength(schema, MAX_DATASET_SCHEMA_LENGTH, "dataset.schema");
  if (profile) checkMaxLength(profile, MAX_DATASET_PROFILE_LENGTH, "dataset.profile");
  const tags = optObjectList(item, "tags").map((t) => {
    const key = reqString(t, "key");
    const value = reqString(t, "value");
    checkMaxLength(key, MAX_INPUT_TAG_KEY_LENGTH, "tags.key");
    checkMaxLength(value, MAX_INPUT_TAG_VALUE_LENGTH, "tags.value");
    return { key, value };
  });
  return { dataset: { name, digest, sourceType, source, schema, profile }, tags };
}

/** The request's dataset inputs, validated; model inputs are checked for shape only. */
export function readDatasetInputs(f: Fields): DatasetInputRow[] {
  for (const m of optObjectList(f, "models")) reqString(m, "model_id");
  return optObjectList(f, "datasets").map(readDatasetInput);
}

export function recordDatasetInputs(db: Db, experimentId: number, runUuid: string, inputs: DatasetInputRow[]): Promise<void> {
  return insertDatasetInputs(db, experimentId, runUuid, inputs);
}

export function datasetInputToWire(row: DatasetInputRow): WireDatasetInput {
  const d = row.dataset;
  const dataset: WireDatasetInput["dataset"] = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema) dataset.schema = d.schema;
  if (d.profile) dataset.profile = d.profile;
  return row.tags.length > 0 ? { tags: row.tags, dataset } : { dataset };
}

/** `inputs` of each run on the wire: `{ dataset_inputs: [...] }`, or `{}` without any. */
export async function runInputsOf(db: Db, runIds: string[]): Promise<Map<string, { dataset_inputs?: WireDatasetInput[] }>> {
  const rows = await datasetInputsOf(db, runIds);
  const out = new Map<string, { dataset_inputs?: WireDatasetInput[] }>();
  for (const id of runIds) {
    const list = rows.get(id);
    out.set(id, list && list.length > 0 ? { dataset_inputs: list.map(datasetInputToWire) } : {});
  }
  return out;
}
