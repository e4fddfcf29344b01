/**
 * Sampled metric histories for charts (metrics/get-history-bulk-interval), picking the steps MLflow picks
 * (lib/tracking/metrics/sampled-steps.ts): the distinct steps of the metric over all the runs, each run's
 * first and last step, then every point logged at a picked step. The distinct steps are counted and picked in
 * SQL (an index-only walk of the metrics primary key), so a 1M-point history never travels to the portal.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { metrics } from "../schema";
import type { MetricRow } from "./tracking";

export interface IntervalPoint extends MetricRow {
  runUuid: string;
}

const runList = (runIds: readonly string[]) =>
  sql.join(
    runIds.map((id) => sql`(${id})`),
    sql`, `,
  );

const valueList = (values: readonly number[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

/** Rows of db.execute: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (result && typeof result === "object" && Symbol.iterator in result) return [...(result as Iterable<Record<string, unknown>>)];
  return (result as { rows: Record<string, unknown>[] }).rows;
}

const ofMetric = (runIds: readonly string[], key: string): SQL =>
  sql`${metrics.runUuid} IN (${sql.join(
    runIds.map((id) => sql`${id}`),
    sql`, `,
  )}) AND ${metrics.key} = ${key}`;

/** Each run's smallest and largest step of the metric (runs that never logged it are absent). */
export async function stepBoundsPerRun(db: Db, runIds: readonly string[], key: string): Promise<{ min: number; max: number }[]> {
  const result = await db.execute(sql`
    SELECT
      (SELECT ${metrics.step} FROM ${metrics} WHERE ${metrics.runUuid} = r.id AND ${metrics.key} = ${key} ORDER BY ${metrics.step} ASC LIMIT 1) AS lo,
      (SELECT ${metrics.step} FROM ${metrics} WHERE ${metrics.runUuid} = r.id AND ${metrics.key} = ${key} ORDER BY ${metrics.step} DESC LIMIT 1) AS hi
    FROM (VALUES ${runList(runIds)}) AS r(id)`);
  return rowsOf(result)
    .filter((r) => r.lo !== null && r.lo !== undefined)
    .map((r) => ({ min: Number(r.lo), max: Number(r.hi) }));
}

const distinctStepsIn = (runIds: readonly string[], key: string, start: number, end: number): SQL =>
  sql`SELECT DISTINCT ${metrics.step} AS step FROM ${metrics} WHERE ${ofMetric(runIds, key)} AND ${metrics.step} >= ${start} AND ${metrics.step} <= ${end}`;

/** How many distinct steps the metric has over the runs within [start, end]. */
export async function countDistinctSteps(db: Db, runIds: readonly string[], key: string, start: number, end: number): Promise<number> {
  const [row] = rowsOf(await db.execute(sql`SELECT count(*)::int AS n FROM (${distinctStepsIn(runIds, key, start, end)}) AS s`));
  return Number(row?.n ?? 0);
}

/** The distinct steps within [start, end] at the given 0-based positions of their ascending order (all of them without positions). */
export async function distinctStepsAt(
  db: Db,
  runIds: readonly string[],
  key: string,
  range: { start: number; end: number },
  positions: readonly number[] | null,
): Promise<number[]> {
  const steps = distinctStepsIn(runIds, key, range.start, range.end);
  const picked =
    positions === null
      ? sql`SELECT step FROM (${steps}) AS s`
      : sql`SELECT step FROM (SELECT step, row_number() OVER (ORDER BY step) - 1 AS pos FROM (${steps}) AS s) AS n
            WHERE pos IN (${valueList(positions)})`;
  return rowsOf(await db.execute(sql`${picked} ORDER BY step`)).map((r) => Number(r.step));
}

/**
 * Every point of the metric at `steps`, per run at most `perRun`, ordered as MLflow's SQL store does
 * (`get_metric_history_bulk_interval_from_steps`: step, timestamp, value), runs in the given order.
 */
export async function pointsAtSteps(
  db: Db,
  q: { runIds: readonly string[]; key: string; steps: readonly number[]; perRun: number },
): Promise<IntervalPoint[]> {
  if (q.runIds.length === 0 || q.steps.length === 0) return [];
  const result = await db.execute(sql`
    SELECT r.ord, r.id AS run_uuid, p.* FROM (VALUES ${sql.join(
      q.runIds.map((id, i) => sql`(${i}::int, ${id})`),
      sql`, `,
    )}) AS r(ord, id)
    CROSS JOIN LATERAL (
      SELECT ${metrics.key} AS key, ${metrics.value} AS value, ${metrics.timestamp} AS timestamp, ${metrics.step} AS step,
             ${metrics.isNan} AS is_nan
      FROM ${metrics}
      WHERE ${metrics.runUuid} = r.id AND ${metrics.key} = ${q.key} AND ${metrics.step} IN (${valueList(q.steps)})
      ORDER BY ${metrics.step}, ${metrics.timestamp}, ${metrics.value} LIMIT ${q.perRun}
    ) AS p
    ORDER BY r.ord, p.step, p.timestamp, p.value`);
  return rowsOf(result).map((r) => ({
    runUuid: String(r.run_uuid),
    key: String(r.key),
    value: Number(r.value),
    timestamp: Number(r.timestamp),
    step: Number(r.step),
    isNan: r.is_nan === true || r.is_nan === "t",
  }));
}
