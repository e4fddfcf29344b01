/**
 * metrics/get-history-bulk-interval (MLflow's chart endpoint, mlflow/server/handlers.py
 * `get_metric_history_bulk_interval_handler`): up to 100 runs, at most `max_results` (≤ 2,500) sampled steps,
 * picked as MLflow picks them (sampled-steps.ts) over the steps that exist, counted and picked in SQL
 * (db/queries/metric-intervals.ts). Every point at a picked step is answered, at most 25,000 per run (MLflow's
 * MAX_RESULTS_GET_METRIC_HISTORY).
 * `GET …?run_ids=a&run_ids=b&metric_key=loss&max_results=500[&start_step=…&end_step=…]` →
 * `{ metrics: [{ key, value, timestamp, step, run_id }] }` ordered by the given run order, then step, timestamp, value.
 */
import { countDistinctSteps, distinctStepsAt, pointsAtSteps, stepBoundsPerRun } from "@/db/queries/metric-intervals";
import type { Body, TrackingContext } from "../context";
import { wireDouble } from "../entities";
import { invalidParam } from "../errors";
import { readableRunsOrThrow } from "../http/targets";
import type { Input, metrics } from "../http/schemas";
import { maxResults } from "../search/max-results";
import { sampledPositions, sampledRange, withRunBounds } from "./sampled-steps";

const MAX_RUNS_PER_INTERVAL_REQUEST = 100;
const MAX_POINTS_PER_RUN = 2500;
/** MLflow's MAX_RESULTS_GET_METRIC_HISTORY: points answered per run (several may share a picked step). */
const MAX_ANSWERED_PER_RUN = 25_000;

export async function getMetricHistoryBulkInterval(ctx: TrackingContext, input: Input<typeof metrics.bulkInterval>): Promise<Body> {
  const runIds = [...new Set(input.run_ids)];
  if (runIds.length === 0) throw invalidParam("GetMetricHistoryBulkInterval request must specify at least one run_id.");
  if (runIds.length > MAX_RUNS_PER_INTERVAL_REQUEST) {
    throw invalidParam(
      `GetMetricHistoryBulkInterval request cannot specify more than ${MAX_RUNS_PER_INTERVAL_REQUEST} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
  const key = input.metric_key;
  const max = maxResults(input.max_results, MAX_POINTS_PER_RUN, MAX_POINTS_PER_RUN);
  const start = input.start_step ?? null;
  const end = input.end_step ?? null;
  if (start !== null && end !== null && start > end) {
    throw invalidParam(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
  }
  if ((start === null) !== (end === null)) throw invalidParam("If either start step or end step are specified, both must be specified.");
  await readableRunsOrThrow(ctx, runIds);
  const bounds = await stepBoundsPerRun(ctx.db, runIds, key);
  const range = sampledRange(start, end, bounds);
  const positions = sampledPositions(await countDistinctSteps(ctx.db, runIds, key, range.start, range.end), max);
  const steps = withRunBounds(await distinctStepsAt(ctx.db, runIds, key, range, positions), bounds, range);
  const points = await pointsAtSteps(ctx.db, { runIds, key, steps, perRun: MAX_ANSWERED_PER_RUN });
  if (points.length === 0) return {};
  return {
    metrics: points.map((p) => ({
      key: p.key,
      value: wireDouble(p.isNan ? NaN : p.value),
      timestamp: p.timestamp,
      step: p.step,
      run_id: p.runUuid,
    })),
  };
}
