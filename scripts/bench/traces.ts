/**
 * The trace part of npm run bench:tracking (scripts/bench/tracking.ts), in process on Postgres:
 *
 *   1. span ingest: BENCH_WRITERS (8) writers, each exporting BENCH_TRACES (40) traces of BENCH_SPANS (50)
 *      spans over OTLP protobuf (ingestOtlpRequest: decoding, permissions, one transaction per export), all at
 *      once → spans/s, beside one INSERT … SELECT of as many span rows in the same run, printed as a ratio;
 *   2. SearchTracesV3 over BENCH_TRACE_ROWS (100,000) traces in one experiment (seeded with SQL), with and
 *      without `attributes.status = 'OK' AND tags.env = 'prod'`, first page of 100 → p50 (target ≤ 100 ms).
 */
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Principal } from "../../lib/auth/principal";
import { handleTrackingRequest } from "../../lib/tracking/http/dispatch";
import { encodeOtlpProtobuf, type OtlpSpan } from "../../lib/tracking/traces/otlp";
import { ingestOtlpRequest } from "../../lib/tracking/traces/otlp-ingest";
import { median, ms, percentile } from "./stats";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const TRACES = Number(process.env.BENCH_TRACES ?? 40);
const SPANS = Number(process.env.BENCH_SPANS ?? 50);
export const TRACE_ROWS = Number(process.env.BENCH_TRACE_ROWS ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);
export const TARGET_TRACE_SEARCH_MS = 100;

const bencher: Principal = { name: "bench", role: "admin", admin: true, via: "token" };

async function v3(db: Db, path: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const req = new Request(`http://atrium.bench/api/3.0/mlflow/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  const res = await handleTrackingRequest(req, { db, principal: bencher }, path.split("/"), "3.0");
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function newExperiment(db: Db, name: string): Promise<string> {
  const req = new Request("http://atrium.bench/api/2.0/mlflow/experiments/create", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const res = await handleTrackingRequest(req, { db, principal: bencher }, ["experiments", "create"]);
  return String(((await res.json()) as { experiment_id: string }).experiment_id);
}

/** One trace as an agent makes it: a root and SPANS - 1 children, MLflow's attributes JSON-encoded. */
function traceSpans(): OtlpSpan[] {
  const trace = randomBytes(16).toString("hex");
  const root = randomBytes(8).toString("hex");
  const t0 = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: SPANS }, (_, i) => ({
    traceIdHex: trace,
    spanIdHex: i === 0 ? root : randomBytes(8).toString("hex"),
    ...(i === 0 ? {} : { parentSpanIdHex: root }),
    name: i === 0 ? "agent" : `tool-${i}`,
    startNs: String(t0 + BigInt(i) * 1_000_000n),
    endNs: String(t0 + BigInt(i + 1) * 1_000_000n),
    attributes: {
      "mlflow.traceRequestId": JSON.stringify(`tr-${trace}`),
      "mlflow.spanType": '"TOOL"',
      "mlflow.spanInputs": JSON.stringify({ query: `lookup ${i}`, k: 5 }),
      "mlflow.spanOutputs": JSON.stringify({ documents: [`doc-${i}-a`, `doc-${i}-b`] }),
    },
    statusCode: 1,
    statusMessage: "",
    events: [],
  }));
}

/** Spans/s through /v1/traces, and the ratio to Postgres writing as many span rows by itself. */
export async function benchTraceIngest(db: Db): Promise<{ rate: number; ratio: number }> {
  const exp = await newExperiment(db, "bench-trace-ingest");
  const bodies = Array.from({ length: WRITERS }, () => Array.from({ length: TRACES }, () => encodeOtlpProtobuf(traceSpans())));
  const t0 = performance.now();
  await Promise.all(
    bodies.map(async (mine) => {
      for (const body of mine) {
        const req = new Request("http://atrium.bench/v1/traces", {
          method: "POST",
          headers: { "content-type": "application/x-protobuf", "x-mlflow-experiment-id": exp },
          body,
        });
        const res = await ingestOtlpRequest(req, { db, principal: bencher });
        if (res.status !== 200) throw new Error(`/v1/traces answered ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const spans = WRITERS * TRACES * SPANS;
  const rate = spans / ((performance.now() - t0) / 1000);
  console.log(
    `trace ingest: ${spans.toLocaleString("en")} spans (${WRITERS} writers × ${TRACES} traces × ${SPANS}) in ${(spans / rate).toFixed(2)} s = ${Math.round(rate).toLocaleString("en")} spans/s`,
  );
  // As many span rows (same shape and size of content) written by Postgres alone, into fresh traces.
  const traces = WRITERS * TRACES;
  const t1 = performance.now();
  await db.execute(sql`
    INSERT INTO traces (trace_id, experiment_id, request_time, state, metadata, tags)
    SELECT 'tr-raw-' || g, ${Number(exp)}, 1700000000000 + g, 'OK', '{}'::jsonb, '{}'::jsonb FROM generate_series(1, ${traces}) AS g`);
  await db.execute(sql`
    INSERT INTO trace_spans (trace_id, span_id, parent_span_id, name, span_type, status_code, start_us, end_us, content, size_bytes)
    SELECT 'tr-raw-' || (1 + g / ${SPANS}), lpad(to_hex(g), 16, '0'), null, 'tool-' || g, 'TOOL', 'OK', g, g + 1000,
      jsonb_build_object('name', 'tool-' || g, 'attributes', jsonb_build_object('mlflow.spanInputs', '{"query": "lookup", "k": 5}',
        'mlflow.spanOutputs', '{"documents": ["doc-a", "doc-b"]}')), 300
    FROM generate_series(0, ${spans - 1}) AS g`);
  const rawRate = spans / ((performance.now() - t1) / 1000);
  const ratio = rate / rawRate;
  console.log(
    `trace ingest: raw INSERT … SELECT of ${spans.toLocaleString("en")} span rows: ${Math.round(rawRate).toLocaleString("en")} rows/s; OTLP ingest / raw SQL = ${ratio.toFixed(3)} (${(ratio * 100).toFixed(1)}%)`,
  );
  return { rate, ratio };
}

/** First page of SearchTracesV3 over TRACE_ROWS traces, with the default order and with a filter. */
export async function benchTraceSearch(db: Db): Promise<number> {
  const exp = await newExperiment(db, "bench-trace-search");
  const t0 = performance.now();
  await db.execute(sql`
    INSERT INTO traces (trace_id, experiment_id, request_time, execution_duration, state, request_preview, metadata, tags)
    SELECT 'tr-' || md5('bench-trace-' || g), ${Number(exp)}, 1700000000000 + g * 1000, g % 5000,
      (ARRAY['OK', 'OK', 'ERROR'])[1 + g % 3], '{"question": "q' || g || '"}',
      jsonb_build_object('mlflow.trace_schema.version', '3'),
      jsonb_build_object('mlflow.traceName', 'predict', 'env', (ARRAY['prod', 'dev', 'staging'])[1 + g % 3])
    FROM generate_series(1, ${TRACE_ROWS}) AS g`);
  await db.execute(sql`ANALYZE traces`);
  console.log(`trace search: seeded ${TRACE_ROWS.toLocaleString("en")} traces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const where = { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }], max_results: 100 };
  let worst = 0;
  for (const filter of ["", "attributes.status = 'OK' AND tags.env = 'prod'"]) {
    let count = 0;
    const run = async () => {
      count = ((await v3(db, "traces/search", { ...where, filter })).traces as unknown[]).length;
    };
    await run();
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    if (count !== 100) throw new Error(`traces/search returned ${count} traces, expected a full page of 100`);
    const p50 = median(times);
    worst = Math.max(worst, p50);
    console.log(
      `trace search: filter "${filter || "(none)"}", newest first, page of 100: p50 ${ms(p50)}, p95 ${ms(percentile(times, 95))}`,
    );
  }
  return worst;
}
