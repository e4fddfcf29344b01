/** runs/log-metric and metrics/get-history (docs/mlflow-rest.md §1, §4 "Metrics"): metrics are append-only. */
import { insertMetrics, metricHistory, storedPoint, type RunRow } from "@/db/queries/tracking";
import { keysOfKind, recordExperimentKeys } from "@/db/queries/experiment-keys";
import type { Db } from "@/db/client";
import { findLoggedModel, insertLoggedModelMetrics } from "@/db/queries/logged-models";
import type { Body, TrackingContext } from "../context";
import { metricToWire } from "../entities";
import { doesNotExist } from "../errors";
import type { Input, metrics } from "../http/schemas";
import { maxResults } from "../search/max-results";
import { decodePageToken, encodePageToken } from "../search/page-token";

interface LoggedPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  model: { modelId: string; datasetName: string | null; datasetDigest: string | null } | null;
}

/**
 * A point logged with `model_id` also belongs to that logged model (MLflow 3: `log_metric(..., model_id=,
 * dataset=)`), which returns it in `data.metrics`; an unknown model is 404, as MLflow's store answers.
 */
export async function logRunMetrics(db: Db, run: RunRow, points: LoggedPoint[]): Promise<void> {
  await insertMetrics(db, run.runUuid, points.map(storedPoint));
  const forModels = points.filter((p) => p.model !== null);
  for (const id of new Set(forModels.map((p) => p.model?.modelId ?? ""))) {
    if (!(await findLoggedModel(db, id))) throw doesNotExist(`Logged model with ID '${id}' not found.`);
  }
  await insertLoggedModelMetrics(
    db,
    forModels.map(({ key, value, timestamp, step, model }) => ({
      modelId: model?.modelId ?? "",
      key,
      value,
      timestamp,
      step,
      runId: run.runUuid,
      datasetName: model?.datasetName ?? null,
      datasetDigest: model?.datasetDigest ?? null,
    })),
  );
}

export async function logMetric(ctx: TrackingContext, { point }: Input<typeof metrics.logMetric>, run: RunRow): Promise<Body> {
  await logRunMetrics(ctx.db, run, [point]);
  await recordExperimentKeys(ctx.db, run.experimentId, keysOfKind("metric", [point]));
  return {};
}

/** Without max_results, the whole history ordered by (timestamp, step, value). */
export async function getMetricHistory(ctx: TrackingContext, input: Input<typeof metrics.getHistory>, run: RunRow): Promise<Body> {
  const max = input.max_results === undefined ? undefined : maxResults(input.max_results, 0);
  const offset = decodePageToken(input.page_token);
  const rows = await metricHistory(ctx.db, run.runUuid, input.metric_key, max === undefined ? null : max + 1, offset);
  const page = max === undefined ? rows : rows.slice(0, max);
  const body: Body = {};
  if (page.length > 0) body.metrics = page.map(metricToWire);
  if (max !== undefined && rows.length > max) body.next_page_token = encodePageToken(offset + max);
  return body;
}
