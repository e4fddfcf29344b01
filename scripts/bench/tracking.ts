/**
 * npm run bench:tracking — the MLflow API of the production portal (`npm run build` first), over HTTP with a
 * person's real API token, on Postgres (TEST_DATABASE_URL, reset first):
 *
 *   1. ingest (scripts/bench/ingest.ts): log-batch and OTLP span export from BENCH_WRITERS (8) writers against
 *      the plain-SQL peer from this process in the same run, interleaved, with p50/p95/p99 and the ratio;
 *   2. runs/search over BENCH_RUNS (100,000) runs in one experiment, filtered on a metric and sorted by it,
 *      first page of 100 (target ≤ 100 ms);
 *   3. metrics/get-history-bulk-interval on a BENCH_POINTS (1,000,000)-point metric, max_results 2,500 (2,501 back)
 *      (target ≤ 200 ms);
 *   4. trace search over 100,000 traces (scripts/bench/traces.ts).
 *
 * The 100k runs, the 1M points and the traces are seeded with SQL (generate_series), not through the API:
 * what is measured is the read path over them. BENCH_PORT (4550); BENCH_PARTS (ingest,search,chart,traces)
 * picks parts; BENCH_PROFILE=<dir> writes the portal's CPU profile.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../../db/schema";
import { TEST_DATABASE_URL } from "../../db/testing";
import { sampledPositions } from "../../lib/tracking/metrics/sampled-steps";
import { benchIngest } from "./ingest";
import { startBenchPortal, type BenchPortal } from "./portal";
import { searchQuery, seedRuns } from "./seed-runs";
import { median, ms, percentile, verdict } from "./stats";
import { TARGET_TRACE_SEARCH_MS, TRACE_ROWS, benchTraceSearch, timed } from "./traces";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 40);
const PORT = Number(process.env.BENCH_PORT ?? 4550);
const PARTS = new Set((process.env.BENCH_PARTS ?? "ingest,search,chart,traces").split(","));
const TARGET_SEARCH_MS = 100;
const TARGET_CHART_MS = 200;
/** The chart request's max_results (MLflow's largest, MAX_RESULTS_PER_RUN). */
const CHART_POINTS = 2500;

type Sql = postgres.Sql;

async function newRun(portal: BenchPortal, experimentId: string): Promise<string> {
  const body = await portal.json("POST", "/api/2.0/mlflow/runs/create", { experiment_id: experimentId, start_time: Date.now() });
  return (body.run as { info: { run_id: string } }).info.run_id;
}

const spread = (times: number[]) => `p50 ${ms(median(times))}, p95 ${ms(percentile(times, 95))}, p99 ${ms(percentile(times, 99))}`;

async function benchSearch(portal: BenchPortal, sql: Sql): Promise<number> {
  const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-search" })).experiment_id);
  const seconds = await seedRuns(drizzle(sql, { schema }), exp, RUNS);
  console.log(`search: seeded ${RUNS.toLocaleString("en")} runs × 3 metrics + 1 param in ${seconds.toFixed(1)} s`);
  const query = searchQuery(exp);
  let first: string[] = [];
  const times = await timed(REPEAT, async () => {
    const body = await portal.json("POST", "/api/2.0/mlflow/runs/search", query);
    first = ((body.runs as { info: { run_id: string } }[] | undefined) ?? []).map((r) => r.info.run_id);
  });
  if (first.length !== 100) throw new Error(`runs/search returned ${first.length} runs, expected a full page of 100`);
  console.log(`search: "${query.filter}" order_by ${query.order_by.join(", ")}, first page of 100: ${spread(times)}`);
  return median(times);
}

async function benchChart(portal: BenchPortal, sql: Sql): Promise<number> {
  const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-chart" })).experiment_id);
  const runId = await newRun(portal, exp);
  const t0 = performance.now();
  await sql`
    INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT ${runId}, 'loss', 1.0 / (1 + g) + random() * 0.01, 1700000000000 + g, g, false FROM generate_series(0, ${POINTS - 1}::int) AS g`;
  await sql`ANALYZE metrics`;
  console.log(`chart: seeded ${POINTS.toLocaleString("en")} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let count = 0;
  const times = await timed(REPEAT, async () => {
    const body = await portal.json("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval", {
      run_ids: runId,
      metric_key: "loss",
      max_results: CHART_POINTS,
    });
    count = (body.metrics as unknown[]).length;
  });
  // MLflow samples max_results evenly spaced steps and always adds the last (mlflow/server/handlers.py
  // `_get_sampled_steps_from_steps`): 2,501 of 1,000,000 steps, as lib/tracking/metrics/sampled-steps.ts picks them.
  const expected = sampledPositions(POINTS, CHART_POINTS)?.length ?? POINTS;
  if (count !== expected) throw new Error(`get-history-bulk-interval returned ${count} points, expected ${expected}`);
  console.log(`chart: get-history-bulk-interval → ${count} of ${POINTS.toLocaleString("en")} points: ${spread(times)}`);
  return median(times);
}

async function main(): Promise<void> {
  console.log(`bench:tracking: the production portal on 127.0.0.1:${PORT}, ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, "//")} (reset first)`);
  const portal = await startBenchPortal("bench-tracking", PORT, WRITERS);
  const sql = postgres(TEST_DATABASE_URL, { max: 2, onnotice: () => {} });
  const verdicts: string[] = [];
  try {
    if (PARTS.has("ingest")) verdicts.push(...(await benchIngest(portal)));
    if (PARTS.has("search")) {
      const p50 = await benchSearch(portal, sql);
      verdicts.push(
        verdict(
          p50 <= TARGET_SEARCH_MS,
          `runs/search over ${RUNS.toLocaleString("en")} runs, first page p50 ${ms(p50)} (target ≤ ${TARGET_SEARCH_MS} ms)`,
        ),
      );
    }
    if (PARTS.has("chart")) {
      const p50 = await benchChart(portal, sql);
      verdicts.push(
        verdict(
          p50 <= TARGET_CHART_MS,
          `chart data for a ${POINTS.toLocaleString("en")}-point metric p50 ${ms(p50)} (target ≤ ${TARGET_CHART_MS} ms)`,
        ),
      );
    }
    if (PARTS.has("traces")) {
      const p50 = await benchTraceSearch(portal, sql);
      verdicts.push(
        verdict(
          p50 <= TARGET_TRACE_SEARCH_MS,
          `trace search over ${TRACE_ROWS.toLocaleString("en")} traces, first page p50 ${ms(p50)} (target ≤ ${TARGET_TRACE_SEARCH_MS} ms)`,
        ),
      );
    }
    const load = (await import("node:os")).loadavg().map((x) => x.toFixed(1));
    console.log("");
    console.log(`load average during the run (1/5/15 min): ${load.join(" / ")} on ${(await import("node:os")).cpus().length} cores`);
    for (const v of verdicts) console.log(v);
  } finally {
    await sql.end({ timeout: 2 });
    await portal.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
