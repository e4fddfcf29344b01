/**
 * Downsampled metric histories for charts (metrics/get-history-bulk-interval). The step range shared by the
 * runs is cut into evenly spaced buckets and each bucket contributes its first point, found by one index probe
 * on the metrics primary key (run_uuid, key, step, timestamp, …); the last point of each run is always added.
 * So the cost grows with the number of buckets, not with the history: a 1M-point metric costs 2,500 probes.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { metrics } from "../schema";
import type { MetricRow } from "./tracking";

export interface IntervalPoint extends MetricRow {
  runUuid: string;
}

interface Bounds {
  loStep: number;
  hiStep: number;
  loTime: number;
  hiTime: number;
}

const runList = (runIds: string[]) =>
  sql.join(
    runIds.map((id) => sql`(${id})`),
    sql`, `,
  );

/** The smallest and largest step (and, at those steps, timestamps) of the metric over the runs, within [start, end]. */
async function boundsOf(db: Db, runIds: string[], key: string, start: number | null, end: number | null): Promise<Bounds | null> {
  const inRange = sql`${metrics.runUuid} = r.id AND ${metrics.key} = ${key}${start !== null ? sql` AND ${metrics.step} >= ${start}` : sql``}${end !== null ? sql` AND ${metrics.step} <= ${end}` : sql``}`;
  const result = await db.execute(sql`
    SELECT
      (SELECT ${metrics.step} FROM ${metrics} WHERE ${inRange} ORDER BY ${metrics.step} ASC, ${metrics.timestamp} ASC LIMIT 1) AS lo_step,
      (SELECT ${metrics.timestamp} FROM ${metrics} WHERE ${inRange} ORDER BY ${metrics.step} ASC, ${metrics.timestamp} ASC LIMIT 1) AS lo_time,
      (SELECT ${metrics.step} FROM ${metrics} WHERE ${inRange} ORDER BY ${metrics.step} DESC, ${metrics.timestamp} DESC LIMIT 1) AS hi_step,
      (SELECT ${metrics.timestamp} FROM ${metrics} WHERE ${inRange} ORDER BY ${metrics.step} DESC, ${metrics.timestamp} DESC LIMIT 1) AS hi_time
    FROM (VALUES ${runList(runIds)}) AS r(id)`);
  let out: Bounds | null = null;
  for (const r of rowsOf(result)) {
    if (r.lo_step === null || r.lo_step === undefined) continue;
    const b = { loStep: Number(r.lo_step), hiStep: Number(r.hi_step), loTime: Number(r.lo_time), hiTime: Number(r.hi_time) };
    out = out
      ? {
          loStep: Math.min(out.loStep, b.loStep),
          hiStep: Math.max(out.hiStep, b.hiStep),
          loTime: Math.min(out.loTime, b.loTime),
          hiTime: Math.max(out.hiTime, b.hiTime),
        }
      : b;
  }
  return out;
}

/** Rows of db.execute: postgres.js returns an array, PGlite an object with `rows`. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (result && typeof result === "object" && Symbol.iterator in result) return [...(result as Iterable<Record<string, unknown>>)];
  return (result as { rows: Record<string, unknown>[] }).rows;
}

/**
 * Up to `maxPoints` points per run, evenly spaced over the shared step range (buckets aligned across runs, so
 * compared runs are sampled at the same steps). When every point sits on one step (a metric logged without
 * steps), the buckets are spread over time instead.
 */
export async function sampledHistory(
  db: Db,
  q: { runIds: string[]; key: string; maxPoints: number; startStep: number | null; endStep: number | null },
): Promise<IntervalPoint[]> {
  if (q.runIds.length === 0) return [];
  const b = await boundsOf(db, q.runIds, q.key, q.startStep, q.endStep);
  if (!b) return [];
  const byTime = b.loStep === b.hiStep;
  const column = byTime ? metrics.timestamp : metrics.step;
  const lo = byTime ? b.loTime : b.loStep;
  const hi = byTime ? b.hiTime : b.hiStep;
  const span = hi - lo + 1;
  // One bucket per value when the range is small; the last point is added separately, hence maxPoints - 1.
  const buckets = Math.max(1, Math.min(q.maxPoints - 1, span));
  const fixed: SQL = byTime
    ? sql` AND ${metrics.step} = ${b.loStep}`
    : sql`${q.startStep !== null ? sql` AND ${metrics.step} >= ${q.startStep}` : sql``}`;
  const upper: SQL = byTime ? sql`` : sql` AND ${metrics.step} <= ${hi}`;
  const point = sql`${metrics.key} AS key, ${metrics.value} AS value, ${metrics.timestamp} AS timestamp, ${metrics.step} AS step, ${metrics.isNan} AS is_nan`;
  const result = await db.execute(sql`
    SELECT r.id AS run_uuid, p.* FROM (VALUES ${runList(q.runIds)}) AS r(id)
    CROSS JOIN generate_series(0, ${buckets - 1}::int) AS g(i)
    CROSS JOIN LATERAL (
      SELECT ${point} FROM ${metrics}
      WHERE ${metrics.runUuid} = r.id AND ${metrics.key} = ${q.key}${fixed}
        AND ${column} >= ${lo}::bigint + floor(g.i * ${span}::numeric / ${buckets})::bigint
        AND ${column} < ${lo}::bigint + floor((g.i + 1) * ${span}::numeric / ${buckets})::bigint
      ORDER BY ${metrics.step}, ${metrics.timestamp} LIMIT 1
    ) AS p
    UNION
    SELECT r.id AS run_uuid, p.* FROM (VALUES ${runList(q.runIds)}) AS r(id)
    CROSS JOIN LATERAL (
      SELECT ${point} FROM ${metrics}
      WHERE ${metrics.runUuid} = r.id AND ${metrics.key} = ${q.key}${fixed}${upper}
      ORDER BY ${metrics.step} DESC, ${metrics.timestamp} DESC LIMIT 1
    ) AS p`);
  const order = new Map(q.runIds.map((id, i) => [id, i]));
  return rowsOf(result)
    .map((r) => ({
      runUuid: String(r.run_uuid),
      key: String(r.key),
      value: Number(r.value),
      timestamp: Number(r.timestamp),
      step: Number(r.step),
      isNan: r.is_nan === true || r.is_nan === "t",
    }))
    .sort((a, b) => (order.get(a.runUuid) ?? 0) - (order.get(b.runUuid) ?? 0) || a.step - b.step || a.timestamp - b.timestamp);
}
