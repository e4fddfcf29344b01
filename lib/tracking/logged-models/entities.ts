/** Logged model rows → MLflow 3's LoggedModel wire shape (service.proto); unset fields and empty lists are omitted. */
import type { KeyValue } from "@/db/queries/key-values";
import type { LoggedModelData, LoggedModelMetricRow, LoggedModelRow } from "@/db/queries/logged-models";
import { wireDouble } from "../entities";

interface WireLoggedModelInfo {
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  artifact_uri: string;
  status: string;
  model_type?: string;
  source_run_id?: string;
  status_message?: string;
  tags?: KeyValue[];
}

/** service.proto Metric as a logged model carries it: the point, plus the run and dataset it was measured in. */
interface WireModelMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  model_id: string;
  run_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface WireLoggedModel {
  info: WireLoggedModelInfo;
  data: { params?: KeyValue[]; metrics?: WireModelMetric[] };
}

function metricToWire(m: LoggedModelMetricRow): WireModelMetric {
  const out: WireModelMetric = { key: m.key, value: wireDouble(m.value), timestamp: m.timestamp, step: m.step, model_id: m.modelId };
  if (m.runId) out.run_id = m.runId;
  if (m.datasetName) out.dataset_name = m.datasetName;
  if (m.datasetDigest) out.dataset_digest = m.datasetDigest;
  return out;
}

// creator_id is an int64 in MLflow's proto (a Databricks user id), so Atrium's user name cannot go there;
// the client records the user in the `mlflow.user` tag anyway.
export function loggedModelToWire(row: LoggedModelRow, data: LoggedModelData | undefined): WireLoggedModel {
  const info: WireLoggedModelInfo = {
    model_id: row.modelId,
    experiment_id: String(row.experimentId),
    name: row.name,
    creation_timestamp_ms: row.creationTime,
    last_updated_timestamp_ms: row.lastUpdatedTime,
    artifact_uri: row.artifactLocation,
    status: row.status,
  };
  if (row.modelType) info.model_type = row.modelType;
  if (row.sourceRunId) info.source_run_id = row.sourceRunId;
  if (row.statusMessage) info.status_message = row.statusMessage;
  if (data && data.tags.length > 0) info.tags = data.tags;
  const wireData: WireLoggedModel["data"] = {};
  if (data && data.params.length > 0) wireData.params = data.params;
  if (data && data.metrics.length > 0) wireData.metrics = data.metrics.map(metricToWire);
  return { info, data: wireData };
}
