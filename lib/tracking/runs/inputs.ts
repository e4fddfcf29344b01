/**
 * runs/log-inputs: dataset inputs of a run (docs/mlflow-rest.md §1), stored so `datasets.name`, `datasets.digest`
 * and `datasets.context` filters work in runs/search.
 */
import { datasetInputsOf, type DatasetInputRow } from "@/db/queries/datasets";
import type { Db } from "@/db/client";
import type { KeyValue } from "@/db/queries/tracking";

/** The input tag that `datasets.context` filters on ("training", "eval", …). */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";

export interface WireDatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
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
