/**
 * The trace-search part of npm run bench:tracking (scripts/bench/tracking.ts): SearchTracesV3 over the
 * production portal's HTTP API, BENCH_TRACE_ROWS (100,000) traces in one experiment (seeded with SQL), with
 * and without `attributes.status = 'OK' AND tags.env = 'prod'`, first page of 100 → p50 (target ≤ 100 ms).
 * Span ingest is measured in scripts/bench/ingest.ts.
 */
import type postgres from "postgres";
import type { BenchPortal } from "./portal";
import { median, ms, percentile } from "./stats";

export const TRACE_ROWS = Number(process.env.BENCH_TRACE_ROWS ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 40);
export const TARGET_TRACE_SEARCH_MS = 100;

/** `n` timed calls of `fn` after one untimed warm-up (plans and caches). */
export async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** First page of SearchTracesV3 over TRACE_ROWS traces, with the default order and with a filter; the worse p50. */
export async function benchTraceSearch(portal: BenchPortal, sql: postgres.Sql): Promise<number> {
  const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-trace-search" })).experiment_id);
  const t0 = performance.now();
  await sql`
    INSERT INTO traces (trace_id, experiment_id, request_time, execution_duration, state, request_preview, metadata, tags)
    SELECT 'tr-' || md5('bench-trace-' || g), ${Number(exp)}, 1700000000000 + g * 1000, g % 5000,
      (ARRAY['OK', 'OK', 'ERROR'])[1 + g % 3], '{"question": "q' || g || '"}',
      jsonb_build_object('mlflow.trace_schema.version', '3'),
      jsonb_build_object('mlflow.traceName', 'predict', 'env', (ARRAY['prod', 'dev', 'staging'])[1 + g % 3])
    FROM generate_series(1, ${TRACE_ROWS}::int) AS g`;
  await sql`ANALYZE traces`;
  console.log(`trace search: seeded ${TRACE_ROWS.toLocaleString("en")} traces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const where = { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }], max_results: 100 };
  let worst = 0;
  for (const filter of ["", "attributes.status = 'OK' AND tags.env = 'prod'"]) {
    let count = 0;
    const times = await timed(REPEAT, async () => {
      count = ((await portal.json("POST", "/api/3.0/mlflow/traces/search", { ...where, filter })).traces as unknown[]).length;
    });
    if (count !== 100) throw new Error(`traces/search returned ${count} traces, expected a full page of 100`);
    worst = Math.max(worst, median(times));
    console.log(
      `trace search: filter "${filter || "(none)"}", newest first, page of 100: p50 ${ms(median(times))}, p95 ${ms(percentile(times, 95))}, p99 ${ms(percentile(times, 99))}`,
    );
  }
  return worst;
}
