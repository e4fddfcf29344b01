/** runs/log-metric and metrics/get-history (docs/mlflow-rest.md §1, §4 "Metrics"): metrics are append-only. */
import { insertMetrics, metricHistory, storedPoint, type RunRow } from "@/db/queries/tracking";
import type { Body, TrackingContext } from "../context";
import { metricToWire } from "../entities";
import { invalidParam } from "../errors";
import type { Input, metrics } from "../http/schemas";
import { maxResults } from "../search/max-results";
import { decodePageToken, encodePageToken } from "../search/page-token";

export async function logMetric(ctx: TrackingContext, { point }: Input<typeof metrics.logMetric>, run: RunRow): Promise<Body> {
  await insertMetrics(ctx.db, run.runUuid, [storedPoint(point)]);
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
