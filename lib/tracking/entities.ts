/** Rows → MLflow wire shapes (docs/mlflow-rest.md §0 "Entity shapes"): unset fields and empty lists are omitted. */
import type { ExperimentRow, KeyValue, MetricRow, RunData, RunRow } from "@/db/queries/tracking";
import type { WireRunInputs, WireRunOutputs } from "./runs/inputs";

/** A double on the wire: NaN and ±Infinity as strings. */
export function wireDouble(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags?: KeyValue[];
}

export interface WireRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs: WireRunInputs;
  outputs?: WireRunOutputs;
}

export function experimentToWire(row: ExperimentRow, tags: KeyValue[] = []): WireExperiment {
  const out: WireExperiment = {
    experiment_id: String(row.id),
    name: row.name,
    artifact_location: row.artifactLocation,
    lifecycle_stage: row.lifecycleStage,
    last_update_time: row.lastUpdateTime,
    creation_time: row.creationTime,
  };
  if (tags.length > 0) out.tags = tags;
  return out;
}

export function metricToWire(m: MetricRow): WireMetric {
  return { key: m.key, value: wireDouble(m.isNan ? NaN : m.value), timestamp: m.timestamp, step: m.step };
}

export function runInfoToWire(row: RunRow): WireRunInfo {
  const out: WireRunInfo = {
    run_id: row.runUuid,
    run_uuid: row.runUuid,
    run_name: row.name,
    experiment_id: String(row.experimentId),
    user_id: row.userId,
    status: row.status,
    start_time: row.startTime,
    artifact_uri: row.artifactUri,
    lifecycle_stage: row.lifecycleStage,
  };
  if (row.endTime !== null) out.end_time = row.endTime;
  return out;
}

export function runToWire(
  row: RunRow,
  data: RunData | undefined,
  io: { inputs: WireRunInputs; outputs?: WireRunOutputs } = { inputs: {} },
): WireRun {
  const wire: WireRun = { info: runInfoToWire(row), data: {}, inputs: io.inputs };
  if (io.outputs) wire.outputs = io.outputs;
  if (data?.metrics.length) wire.data.metrics = data.metrics.map(metricToWire);
  if (data?.params.length) wire.data.params = data.params;
  if (data?.tags.length) wire.data.tags = data.tags;
  return wire;
}
