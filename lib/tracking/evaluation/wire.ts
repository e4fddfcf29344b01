/** The JSON MLflow's client reads for datasets, records and scorers (mlflow/protos/datasets.proto, service.proto `Scorer`). */
import type { DatasetRecordRow, DatasetRow, ScorerVersionRow } from "@/db/queries/evaluation";
import { isDict } from "@/lib/util/is-dict";
import { invalidParam } from "../errors";

/** `Dataset`: tags as JSON text, experiment ids as strings. */
export function datasetView(d: DatasetRow, experimentIds: readonly number[]): Record<string, unknown> {
  return {
    dataset_id: d.datasetId,
    name: d.name,
    tags: JSON.stringify(d.tags),
    ...(d.schema !== null ? { schema: d.schema } : {}),
    ...(d.profile !== null ? { profile: d.profile } : {}),
    digest: d.digest,
    created_time: d.createdTime,
    last_update_time: d.lastUpdateTime,
    ...(d.createdBy !== null ? { created_by: d.createdBy } : {}),
    ...(d.lastUpdatedBy !== null ? { last_updated_by: d.lastUpdatedBy } : {}),
    experiment_ids: experimentIds.map(String),
  };
}

/** A record as `DatasetRecord.to_dict` writes it (mlflow/entities/dataset_record.py): payload fields as JSON values. */
export function recordView(r: DatasetRecordRow): Record<string, unknown> {
  return {
    dataset_record_id: r.recordId,
    dataset_id: r.datasetId,
    inputs: r.inputs,
    ...(r.outputs !== null && r.outputs !== undefined ? { outputs: r.outputs } : {}),
    ...(r.expectations !== null ? { expectations: r.expectations } : {}),
    tags: r.tags,
    ...(r.source !== null ? { source: r.source } : {}),
    ...(r.sourceId !== null ? { source_id: r.sourceId } : {}),
    ...(r.sourceType !== null ? { source_type: r.sourceType } : {}),
    created_time: r.createdTime,
    last_update_time: r.lastUpdateTime,
    ...(r.createdBy !== null ? { created_by: r.createdBy } : {}),
    ...(r.lastUpdatedBy !== null ? { last_updated_by: r.lastUpdatedBy } : {}),
  };
}

/** `Scorer`: experiment_id is an int32 there. */
export function scorerView(s: ScorerVersionRow): Record<string, unknown> {
  return {
    experiment_id: s.experimentId,
    scorer_name: s.name,
    scorer_version: s.version,
    serialized_scorer: s.serializedScorer,
    creation_time: s.creationTime,
    scorer_id: s.scorerId,
  };
}

/** A JSON text field that must hold an object (tags, a record's parts); `field` names it in the refusal. */
export function parseJsonObject(text: string, field: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalidParam(`Invalid value for parameter '${field}' supplied: it is not valid JSON.`);
  }
  if (!isDict(v)) throw invalidParam(`Invalid value for parameter '${field}' supplied: expected a JSON object.`);
  return v;
}

/** Tags as MLflow keeps them: string values; null removes a key when merging (set_dataset_tags). */
export function tagsOf(v: Record<string, unknown>, field: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, value] of Object.entries(v)) {
    if (value === null) out[k] = null;
    else if (typeof value === "string") out[k] = value;
    else if (typeof value === "number" || typeof value === "boolean") out[k] = String(value);
    else throw invalidParam(`Invalid value for parameter '${field}' supplied: the tag '${k}' is not a string.`);
  }
  return out;
}

export function mergeTags(base: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
