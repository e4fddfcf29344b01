/**
 * metrics/get-history-bulk-interval (MLflow's chart endpoint): up to 100 runs, up to 2,500 points per run evenly
 * spaced over steps, downsampled in SQL (db/queries/metric-intervals.ts) so a 1M-point history answers fast.
 * `GET …?run_ids=a&run_ids=b&metric_key=loss&max_results=500[&start_step=…&end_step=…]` →
 * `{ metrics: [{ key, value, timestamp, step, run_id }] }` ordered by the given run order, then step.
 */
import { findRunsByIds } from "@/db/queries/tracking";
import { sampledHistory } from "@/db/queries/metric-intervals";
import type { Body, TrackingContext } from "../context";
import { wireDouble } from "../entities";
import { doesNotExist, invalidParam } from "../errors";
import type { Input, metrics } from "../http/schemas";
import { maxResults } from "../search/max-results";

export const MAX_RUNS_PER_INTERVAL_REQUEST = 100;
export const MAX_POINTS_PER_RUN = 2500;

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
  const known = new Set((await findRunsByIds(ctx.db, runIds)).map((r) => r.runUuid));
  const missing = runIds.find((id) => !known.has(id));
  if (missing !== undefined) throw doesNotExist(`Run with id=${missing} not found`);
  const points = await sampledHistory(ctx.db, { runIds, key, maxPoints: max, startStep: start, endStep: end });
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
