/**
 * npm run bench:tracking — the MLflow API on Postgres (TEST_DATABASE_URL, reset first), in process through
 * handleTrackingRequest (JSON parsing, validation, permissions and SQL included; no HTTP server):
 *
 *   1. log-batch ingest: BENCH_WRITERS (8) writers, each logging BENCH_BATCHES (60) batches of 1,000 metric
 *      points into its own run, all at once → points/s (target ≥ 100,000/s);
 *   2. runs/search over BENCH_RUNS (100,000) runs in one experiment, filtered on a metric and sorted by it,
 *      first page of 100 → p50 (target ≤ 100 ms);
 *   3. metrics/get-history-bulk-interval on a BENCH_POINTS (1,000,000)-point metric, 2,500 points back → p50
 *      (target ≤ 200 ms);
 *   4. and 5. trace span ingest over OTLP against plain SQL, and trace search over 100,000 traces
 *      (scripts/bench/traces.ts).
 *
 * The 100k runs and the 1M points are seeded with SQL (generate_series), not through the API: what is
 * measured is the read path over them.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import type { Principal } from "../../lib/auth/principal";
import { handleTrackingRequest } from "../../lib/tracking/http/dispatch";
import { searchQuery, seedRuns } from "./seed-runs";
import { median, ms, percentile, verdict } from "./stats";
import { TARGET_TRACE_SEARCH_MS, TRACE_ROWS, benchTraceIngest, benchTraceSearch } from "./traces";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 60);
const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);
const TARGET_INGEST = 100_000;
const TARGET_SEARCH_MS = 100;
const TARGET_CHART_MS = 200;

const bencher: Principal = { name: "bench", role: "admin", admin: true, via: "token" };

async function call(db: Db, method: "GET" | "POST", path: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = new URL(`http://atrium.bench/api/2.0/mlflow/${path}`);
  let init: RequestInit = { method };
  if (method === "GET") {
    for (const [k, v] of Object.entries(payload)) for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  } else {
    init = { method, headers: { "content-type": "application/json" }, body: JSON.stringify(payload) };
  }
  const res = await handleTrackingRequest(new Request(url, init), { db, principal: bencher }, path.split("/"));
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function newRun(db: Db, experimentId: string): Promise<string> {
  const body = await call(db, "POST", "runs/create", { experiment_id: experimentId, start_time: Date.now() });
  return (body.run as { info: { run_id: string } }).info.run_id;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up: plans and caches
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function benchIngest(db: Db): Promise<number> {
  const exp = String((await call(db, "POST", "experiments/create", { name: "bench-ingest" })).experiment_id);
  const runIds = await Promise.all(Array.from({ length: WRITERS }, () => newRun(db, exp)));
  const t0 = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let b = 0; b < BATCHES; b++) {
        // 10 keys × 100 steps per batch, as a training loop logging every step would.
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.random(),
          timestamp: Date.now(),
          step: b * 100 + Math.floor(i / 10),
        }));
        await call(db, "POST", "runs/log-batch", { run_id: runId, metrics });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const points = WRITERS * BATCHES * 1000;
  const rate = points / seconds;
  console.log(
    `ingest: ${points.toLocaleString("en")} points from ${WRITERS} writers in ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString("en")} points/s`,
  );
  // The same number of rows written by Postgres alone (one INSERT … SELECT, no client, no parsing): the ceiling
  // this machine allows right now, so a miss can be told apart from a busy machine.
  const raw = await newRun(db, exp);
  const t1 = performance.now();
  await db.execute(sql`
    INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT ${raw}, 'm' || (g % 10), random(), 1700000000000 + g, g / 10, false FROM generate_series(0, ${points - 1}) AS g`);
  const rawRate = points / ((performance.now() - t1) / 1000);
  console.log(
    `ingest: raw INSERT … SELECT of the same ${points.toLocaleString("en")} rows: ${Math.round(rawRate).toLocaleString("en")} rows/s; the API reaches ${((rate / rawRate) * 100).toFixed(0)}% of it`,
  );
  return rate;
}

async function benchSearch(db: Db): Promise<number> {
  const exp = String((await call(db, "POST", "experiments/create", { name: "bench-search" })).experiment_id);
  const seconds = await seedRuns(db, exp, RUNS);
  console.log(`search: seeded ${RUNS.toLocaleString("en")} runs × 3 metrics + 1 param in ${seconds.toFixed(1)} s`);
  const query = searchQuery(exp);
  let first: string[] = [];
  const times = await timed(REPEAT, async () => {
    const body = await call(db, "POST", "runs/search", query);
    first = ((body.runs as { info: { run_id: string } }[] | undefined) ?? []).map((r) => r.info.run_id);
  });
  if (first.length !== 100) throw new Error(`runs/search returned ${first.length} runs, expected a full page of 100`);
  const p50 = median(times);
  console.log(
    `search: "${query.filter}" order_by ${query.order_by.join(", ")}, first page of 100: p50 ${ms(p50)}, p95 ${ms(percentile(times, 95))}`,
  );
  return p50;
}

async function benchChart(db: Db): Promise<number> {
  const exp = String((await call(db, "POST", "experiments/create", { name: "bench-chart" })).experiment_id);
  const runId = await newRun(db, exp);
  const t0 = performance.now();
  await db.execute(sql`
    INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT ${runId}, 'loss', 1.0 / (1 + g) + random() * 0.01, 1700000000000 + g, g, false FROM generate_series(0, ${POINTS - 1}) AS g`);
  await db.execute(sql`ANALYZE metrics`);
  console.log(`chart: seeded ${POINTS.toLocaleString("en")} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let count = 0;
  const times = await timed(REPEAT, async () => {
    const body = await call(db, "GET", "metrics/get-history-bulk-interval", { run_ids: runId, metric_key: "loss", max_results: 2500 });
    count = (body.metrics as unknown[]).length;
  });
  if (count !== 2500) throw new Error(`get-history-bulk-interval returned ${count} points, expected 2500`);
  const p50 = median(times);
  console.log(
    `chart: get-history-bulk-interval → ${count} of ${POINTS.toLocaleString("en")} points: p50 ${ms(p50)}, p95 ${ms(percentile(times, 95))}`,
  );
  return p50;
}

async function main(): Promise<void> {
  console.log(`bench:tracking on ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, "//")} (reset first)`);
  const handle = await openTestDatabase("postgres");
  try {
    const rate = await benchIngest(handle.db);
    const search = await benchSearch(handle.db);
    const chart = await benchChart(handle.db);
    const traceIngest = await benchTraceIngest(handle.db);
    const traceSearch = await benchTraceSearch(handle.db);
    console.log("");
    console.log(
      verdict(
        rate >= TARGET_INGEST,
        `log-batch ingest ${Math.round(rate).toLocaleString("en")} points/s (target ≥ ${TARGET_INGEST.toLocaleString("en")}/s, ${(rate / TARGET_INGEST).toFixed(2)}× target)`,
      ),
    );
    console.log(
      verdict(
        search <= TARGET_SEARCH_MS,
        `runs/search over ${RUNS.toLocaleString("en")} runs, first page p50 ${ms(search)} (target ≤ ${TARGET_SEARCH_MS} ms, ${(search / TARGET_SEARCH_MS).toFixed(2)}× target)`,
      ),
    );
    console.log(
      verdict(
        chart <= TARGET_CHART_MS,
        `chart data for a ${POINTS.toLocaleString("en")}-point metric p50 ${ms(chart)} (target ≤ ${TARGET_CHART_MS} ms, ${(chart / TARGET_CHART_MS).toFixed(2)}× target)`,
      ),
    );
    console.log(
      `INFO  trace ingest ${Math.round(traceIngest.rate).toLocaleString("en")} spans/s from 8 writers over OTLP = ${traceIngest.ratio.toFixed(3)} × a plain SQL insert in the same run`,
    );
    console.log(
      verdict(
        traceSearch <= TARGET_TRACE_SEARCH_MS,
        `trace search over ${TRACE_ROWS.toLocaleString("en")} traces, first page p50 ${ms(traceSearch)} (target ≤ ${TARGET_TRACE_SEARCH_MS} ms, ${(traceSearch / TARGET_TRACE_SEARCH_MS).toFixed(2)}× target)`,
      ),
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
