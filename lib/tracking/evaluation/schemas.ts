/**
 * Input of the evaluation dataset and scorer operations (mlflow/protos/service.proto CreateDataset, GetDataset,
 * DeleteDataset, SearchEvaluationDatasets, SetDatasetTags, DeleteDatasetTag, UpsertDatasetRecords,
 * GetDatasetRecords, DeleteDatasetRecords, GetDatasetExperimentIds, Add/RemoveDatasetToExperiments;
 * RegisterScorer, ListScorers, ListScorerVersions, GetScorer, DeleteScorer). Tags, schema, profile and records
 * travel as JSON text, as the proto says.
 */
import { z } from "zod";
import { int64, list, requiredText, text } from "../http/fields";

const datasetId = { dataset_id: requiredText() };
const scorerRef = { experiment_id: requiredText(), name: requiredText() };

export const evaluationSchemas = {
  createDataset: z.object({
    name: requiredText(),
    experiment_ids: list(z.string()),
    source_type: z.unknown().optional(),
    source: text(),
    schema: text(),
    profile: text(),
    created_by: text(),
    tags: text(),
  }),
  dataset: z.object(datasetId),
  searchDatasets: z.object({
    experiment_ids: list(z.string()),
    filter_string: text(),
    max_results: int64(),
    order_by: list(z.string()),
    page_token: text(),
  }),
  setTags: z.object({ ...datasetId, tags: requiredText() }),
  deleteTag: z.object({ ...datasetId, key: requiredText() }),
  upsertRecords: z.object({ ...datasetId, records: requiredText(), updated_by: text() }),
  getRecords: z.object({ ...datasetId, max_results: int64(), page_token: text() }),
  deleteRecords: z.object({ ...datasetId, dataset_record_ids: list(z.string()) }),
  experiments: z.object({ ...datasetId, experiment_ids: list(z.string()) }),
  registerScorer: z.object({ ...scorerRef, serialized_scorer: requiredText() }),
  listScorers: z.object({ experiment_id: requiredText() }),
  scorerVersions: z.object(scorerRef),
  scorer: z.object({ ...scorerRef, version: int64() }),
};
