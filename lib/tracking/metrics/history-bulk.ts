/**
 * metrics/get-history-bulk (`GET …?run_id=a&run_id=b&metric_key=loss[&max_results=…]`), the UI's older chart
 * route, answered as mlflow/server/handlers.py get_metric_history_bulk_handler does: 1–20 runs taken in sorted
 * order, each run's full history by (timestamp, step, value), each point with its run_id, at most
 * max_results points in all (capped at 25,000, not refused). A run without the metric adds nothing; a run that
 * is not there, or that the caller may not read, is a 404.
 */
import { metricHistory } from "@/db/queries/tracking";
import type { Body, TrackingContext } from "../context";
import { metricToWire } from "../entities";
import { invalidParam } from "../errors";
import { readableRunsOrThrow } from "../http/targets";
import type { Input, metrics } from "../http/schemas";
import { maxResults } from "../search/max-results";

const MAX_BULK_HISTORY_RESULTS = 25000;
const MAX_RUNS_PER_BULK_REQUEST = 20;

export async function getMetricHistoryBulk(ctx: TrackingContext, input: Input<typeof metrics.bulk>): Promise<Body> {
  const runIds = input.run_id;
  if (runIds.length === 0) throw invalidParam("GetMetricHistoryBulk request must specify at least one run_id.");
  if (runIds.length > MAX_RUNS_PER_BULK_REQUEST) {
    throw invalidParam(
      `GetMetricHistoryBulk request cannot specify more than ${MAX_RUNS_PER_BULK_REQUEST} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
  const key = input.metric_key;
  if (key === undefined) throw invalidParam("GetMetricHistoryBulk request must specify a metric_key.");
  const max = Math.min(maxResults(input.max_results, MAX_BULK_HISTORY_RESULTS), MAX_BULK_HISTORY_RESULTS);
  // As MLflow's auth app checks each run's experiment: one the caller may not read, or that is not there, is a 404.
  await readableRunsOrThrow(ctx, runIds);
  const out: Body[] = [];
  for (const runId of [...runIds].sort()) {
    if (out.length >= max) break;
    const points = await metricHistory(ctx.db, runId, key, max - out.length, 0);
    out.push(...points.map((p) => ({ ...metricToWire(p), run_id: runId })));
  }
  return { metrics: out };
}
