"use client";

import { useQuery } from "@tanstack/react-query";
import { MlflowError, mlflowGet, wireNumber, type WireMetric } from "./mlflow";

/** Points a chart draws per run; the server downsamples to about this many. */
const CHART_POINTS = 1000;

export interface SeriesPoint {
  step: number;
  timestamp: number;
  value: number;
}

export interface RunSeries {
  runId: string;
  points: SeriesPoint[];
}

type BulkMetric = WireMetric & { run_id: string };

/** Keeps at most `max` points, evenly spaced, always with the first and the last. */
export function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const p = points[Math.round(i * stride)];
    if (p !== undefined) out.push(p);
  }
  return out;
}

function toPoint(m: WireMetric): SeriesPoint {
  return { step: m.step, timestamp: m.timestamp, value: wireNumber(m.value) };
}

/** Groups the server's rows by run, in the order asked, sorted by step then time; non-finite values cannot be drawn. */
export function groupByRun(runIds: readonly string[], rows: readonly BulkMetric[]): RunSeries[] {
  const by = new Map<string, SeriesPoint[]>(runIds.map((id) => [id, []]));
  for (const m of rows) {
    const p = toPoint(m);
    if (Number.isFinite(p.value)) by.get(m.run_id)?.push(p);
  }
  return runIds.map((runId) => ({ runId, points: (by.get(runId) ?? []).sort((a, b) => a.step - b.step || a.timestamp - b.timestamp) }));
}

// Once the downsampling endpoint answered ENDPOINT_NOT_FOUND, later charts go straight to the fallback.
let bulkMissing = false;

async function fetchSeries(runIds: readonly string[], key: string): Promise<RunSeries[]> {
  if (!bulkMissing) {
    try {
      const res = await mlflowGet<{ metrics?: BulkMetric[] }>("metrics/get-history-bulk-interval", {
        run_ids: runIds,
        metric_key: key,
        max_results: CHART_POINTS,
      });
      return groupByRun(runIds, res.metrics ?? []);
    } catch (err) {
      if (!(err instanceof MlflowError && err.code === "ENDPOINT_NOT_FOUND")) throw err;
      bulkMissing = true;
    }
  }
  // Fallback while the server lacks get-history-bulk-interval: the whole history per run, thinned here.
  const all = await Promise.all(
    runIds.map(async (runId) => {
      const res = await mlflowGet<{ metrics?: WireMetric[] }>("metrics/get-history", { run_id: runId, metric_key: key });
      return (res.metrics ?? []).map((m) => ({ ...m, run_id: runId }));
    }),
  );
  return groupByRun(runIds, all.flat()).map((s) => ({ ...s, points: thin(s.points, CHART_POINTS) }));
}

export function useMetricSeries(runIds: readonly string[], key: string) {
  return useQuery({ queryKey: ["metric-series", key, ...runIds], queryFn: () => fetchSeries(runIds, key), staleTime: 30_000 });
}
