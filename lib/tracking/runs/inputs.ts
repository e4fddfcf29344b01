/**
 * runs/log-inputs: dataset inputs of a run (docs/mlflow-rest.md §1), stored so `datasets.name`, `datasets.digest`
 * and `datasets.context` filters work in runs/search.
 */
import { datasetInputsOf, type DatasetInputRow } from "@/db/queries/datasets";
import type { Db } from "@/db/client";
import { runModelsOf } from "@/db/queries/logged-models";
import type { KeyValue } from "@/db/queries/tracking";

/** The input tag that `datasets.context` filters on ("training", "eval", …). */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";

interface WireDatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type: string; source: string; schema?: string; profile?: string };
}

function datasetInputToWire(row: DatasetInputRow): WireDatasetInput {
  const d = row.dataset;
  const dataset: WireDatasetInput["dataset"] = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema) dataset.schema = d.schema;
  if (d.profile) dataset.profile = d.profile;
  return row.tags.length > 0 ? { tags: row.tags, dataset } : { dataset };
}

export interface WireRunInputs {
  dataset_inputs?: WireDatasetInput[];
  model_inputs?: { model_id: string }[];
}
export interface WireRunOutputs {
  model_outputs?: { model_id: string; step: number }[];
}

/**
 * `inputs` (dataset and model inputs) and `outputs` (the logged models the run produced, MLflow 3 RunOutputs)
 * of each run on the wire; `inputs` is `{}` without any, `outputs` absent without model outputs.
 */
export async function runInputsOf(db: Db, runIds: string[]): Promise<Map<string, { inputs: WireRunInputs; outputs?: WireRunOutputs }>> {
  const [rows, models] = await Promise.all([datasetInputsOf(db, runIds), runModelsOf(db, runIds)]);
  const out = new Map<string, { inputs: WireRunInputs; outputs?: WireRunOutputs }>();
  for (const id of runIds) {
    const inputs: WireRunInputs = {};
    const list = rows.get(id);
    if (list && list.length > 0) inputs.dataset_inputs = list.map(datasetInputToWire);
    const used = models.inputs.get(id);
    if (used) inputs.model_inputs = used.map((model_id) => ({ model_id }));
    const made = models.outputs.get(id);
    out.set(id, made ? { inputs, outputs: { model_outputs: made.map((o) => ({ model_id: o.modelId, step: o.step })) } } : { inputs });
  }
  return out;
}
