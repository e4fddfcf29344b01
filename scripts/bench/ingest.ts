/**
 * The ingest part of npm run bench:tracking: the production portal over HTTP with a real token against the
 * plain-SQL peer from this same process (the `postgres` client, one connection per writer), interleaved round
 * by round (the order alternating) after a warm-up round that is not counted.
 *
 *   - MLflow log-batch: BENCH_WRITERS (8) writers, each POSTing batches of 1,000 metric points into its own run;
 *     the peer is one multi-row INSERT of the same rows into a table like `metrics` (same columns and keys).
 *   - OTLP: the same writers each exporting one trace of BENCH_SPANS (50) spans a request to /v1/traces; the
 *     peer is the trace row and its span rows (the same span dictionaries) in one transaction.
 *
 * Bodies and rows are made before the clock starts; every batch is new data (repeated points would be cheaper).
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { TEST_DATABASE_URL } from "../../db/testing";
import { encodeOtlpProtobuf, mlflowSpanDict, type OtlpSpan } from "../../lib/tracking/traces/otlp";
import type { BenchPortal } from "./portal";
import { median, ms, percentile, verdict } from "./stats";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 6);
const POINTS = 1000;
const SPANS = Number(process.env.BENCH_SPANS ?? 50);
const TRACES = Number(process.env.BENCH_TRACES ?? 12);
/** BENCH_INGEST (log-batch,otlp) picks which of the two run. */
const INGEST = new Set((process.env.BENCH_INGEST ?? "log-batch,otlp").split(","));
/** Issue 26's goals. */
const GOAL_POINTS_RATIO = 0.9;
const GOAL_POINTS_RATE = 100_000;
const GOAL_SPANS_RATIO = 0.7;

type Sql = postgres.Sql;

interface Side {
  latencies: number[];
  seconds: number;
  items: number;
}

const fresh = (): Side => ({ latencies: [], seconds: 0, items: 0 });

/** Every writer sends its own list of requests one after another; all writers at once. */
async function phase<T>(side: Side, work: T[][], send: (item: T) => Promise<unknown>, itemsEach: number, count: boolean): Promise<void> {
  const t0 = performance.now();
  await Promise.all(
    work.map(async (mine) => {
      for (const item of mine) {
        const t = performance.now();
        await send(item);
        if (count) side.latencies.push(performance.now() - t);
      }
    }),
  );
  if (!count) return;
  side.seconds += (performance.now() - t0) / 1000;
  side.items += work.reduce((n, w) => n + w.length, 0) * itemsEach;
}

/** Warm-up, then ROUNDS rounds of both sides, the order alternating so neither always runs on a warmer machine. */
async function interleaved<A, B>(
  make: (round: number) => { atrium: A[][]; peer: B[][] },
  atrium: (a: A) => Promise<unknown>,
  peer: (b: B) => Promise<unknown>,
  itemsEach: number,
): Promise<{ atrium: Side; peer: Side }> {
  const out = { atrium: fresh(), peer: fresh() };
  for (let round = 0; round <= ROUNDS; round++) {
    const count = round > 0;
    const work = make(round);
    const sides = [
      () => phase(out.atrium, work.atrium, atrium, itemsEach, count),
      () => phase(out.peer, work.peer, peer, itemsEach, count),
    ];
    if (round % 2 === 1) sides.reverse();
    for (const side of sides) await side();
  }
  return out;
}

const rate = (s: Side) => s.items / s.seconds;
const fmt = (x: number) => Math.round(x).toLocaleString("en");
const latencyLine = (label: string, s: Side) =>
  `${label.padEnd(44)} ${fmt(rate(s)).padStart(9)} /s   request p50 ${ms(median(s.latencies)).padStart(9)}  p95 ${ms(percentile(s.latencies, 95)).padStart(9)}  p99 ${ms(percentile(s.latencies, 99)).padStart(9)}`;

interface Point {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** One training loop's batch: 10 keys × 100 steps. */
function batchOf(round: number, b: number): Point[] {
  const base = (round * BATCHES + b) * 100;
  const now = Date.now();
  return Array.from({ length: POINTS }, (_, i) => ({
    key: `m${i % 10}`,
    value: Math.random(),
    timestamp: now,
    step: base + Math.floor(i / 10),
  }));
}

export async function benchLogBatch(portal: BenchPortal, sql: Sql): Promise<{ rate: number; ratio: number; lines: string[] }> {
  const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-ingest" })).experiment_id);
  const runIds: string[] = [];
  for (let w = 0; w < WRITERS; w++) {
    const body = await portal.json("POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp, start_time: Date.now() });
    runIds.push((body.run as { info: { run_id: string } }).info.run_id);
  }
  await sql`create table bench_peer_metrics (like metrics including all)`;
  const result = await interleaved(
    (round) => {
      const atrium: Buffer[][] = [];
      const peer: Record<string, unknown>[][][] = [];
      runIds.forEach((runId) => {
        const mine: Buffer[] = [];
        const rows: Record<string, unknown>[][] = [];
        for (let b = 0; b < BATCHES; b++) {
          const points = batchOf(round, b);
          mine.push(Buffer.from(JSON.stringify({ run_id: runId, metrics: points })));
          rows.push(points.map((p) => ({ run_uuid: runId, ...p, is_nan: false })));
        }
        atrium.push(mine);
        peer.push(rows);
      });
      return { atrium, peer };
    },
    (body) => portal.call("POST", "/api/2.0/mlflow/runs/log-batch", body, { "content-type": "application/json" }),
    (rows) => sql`insert into bench_peer_metrics ${sql(rows, "run_uuid", "key", "value", "timestamp", "step", "is_nan")}`,
    POINTS,
  );
  const r = rate(result.atrium);
  const ratio = r / rate(result.peer);
  const lines = [
    `log-batch: ${WRITERS} writers × ${BATCHES} batches of ${POINTS} points a round, ${ROUNDS} rounds after a warm-up`,
    latencyLine("  Atrium POST runs/log-batch (points)", result.atrium),
    latencyLine("  peer: multi-row INSERT, same rows (rows)", result.peer),
    `  ratio Atrium / peer: ${ratio.toFixed(2)}×`,
  ];
  for (const l of lines) console.log(l);
  return { rate: r, ratio, lines };
}

/** One trace as an agent makes it: a root and SPANS - 1 children, MLflow's attributes JSON-encoded. */
export function traceSpans(): OtlpSpan[] {
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

interface PeerTrace {
  trace: Record<string, unknown>;
  spans: Record<string, unknown>[];
}

function peerTrace(spans: OtlpSpan[], experimentId: number): PeerTrace {
  const traceId = `tr-${spans[0]?.traceIdHex ?? ""}`;
  const startUs = (s: OtlpSpan) => Number(BigInt(s.startNs) / 1000n);
  return {
    trace: {
      trace_id: traceId,
      experiment_id: experimentId,
      request_time: Math.floor(startUs(spans[0] as OtlpSpan) / 1000),
      execution_duration: SPANS,
      state: "OK",
      metadata: { "mlflow.trace_schema.version": "3" },
      tags: { "mlflow.traceName": "agent" },
      creator: "bench",
    },
    spans: spans.map((s) => {
      const content = mlflowSpanDict(s, traceId);
      return {
        trace_id: traceId,
        span_id: s.spanIdHex,
        parent_span_id: s.parentSpanIdHex ?? null,
        name: s.name,
        span_type: "TOOL",
        status_code: "OK",
        start_us: startUs(s),
        end_us: Number(BigInt(s.endNs ?? s.startNs) / 1000n),
        content,
        size_bytes: JSON.stringify(content).length,
      };
    }),
  };
}

export async function benchOtlp(portal: BenchPortal, sql: Sql): Promise<{ rate: number; ratio: number; lines: string[] }> {
  const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-otlp" })).experiment_id);
  await sql`create table bench_peer_traces (like traces including all)`;
  await sql`create table bench_peer_spans (like trace_spans including all)`;
  const result = await interleaved(
    () => {
      const atrium: Uint8Array[][] = [];
      const peer: PeerTrace[][] = [];
      for (let w = 0; w < WRITERS; w++) {
        atrium.push(Array.from({ length: TRACES }, () => encodeOtlpProtobuf(traceSpans())));
        peer.push(Array.from({ length: TRACES }, () => peerTrace(traceSpans(), Number(exp))));
      }
      return { atrium, peer };
    },
    (body) => portal.call("POST", "/v1/traces", body, { "content-type": "application/x-protobuf", "x-mlflow-experiment-id": exp }),
    (t) =>
      sql.begin(async (tx) => {
        await tx`insert into bench_peer_traces ${tx(t.trace)}`;
        await tx`insert into bench_peer_spans ${tx(t.spans.map((s) => ({ ...s, content: tx.json(s.content as postgres.JSONValue) })))}`;
      }),
    SPANS,
  );
  const r = rate(result.atrium);
  const ratio = r / rate(result.peer);
  const lines = [
    `OTLP: ${WRITERS} writers × ${TRACES} traces of ${SPANS} spans a round, ${ROUNDS} rounds after a warm-up`,
    latencyLine("  Atrium POST /v1/traces (spans)", result.atrium),
    latencyLine("  peer: trace + span rows, one transaction", result.peer),
    `  ratio Atrium / peer: ${ratio.toFixed(2)}×`,
  ];
  for (const l of lines) console.log(l);
  return { rate: r, ratio, lines };
}

/** Both ingest benches and their verdicts against issue 26's goals. */
export async function benchIngest(portal: BenchPortal): Promise<string[]> {
  const sql = postgres(TEST_DATABASE_URL, { max: WRITERS, onnotice: () => {} });
  try {
    const verdicts: string[] = [];
    if (INGEST.has("log-batch")) {
      const points = await benchLogBatch(portal, sql);
      verdicts.push(
        verdict(
          points.ratio >= GOAL_POINTS_RATIO,
          `log-batch ${points.ratio.toFixed(2)}× the plain multi-row INSERT (goal ≥ ${GOAL_POINTS_RATIO}×)${points.ratio >= GOAL_POINTS_RATIO ? "" : ": goal missed"}`,
        ),
        verdict(
          points.rate >= GOAL_POINTS_RATE,
          `log-batch ${fmt(points.rate)} points/s (goal ≥ ${fmt(GOAL_POINTS_RATE)}/s)${points.rate >= GOAL_POINTS_RATE ? "" : ": goal missed"}`,
        ),
      );
    }
    if (INGEST.has("otlp")) {
      const spans = await benchOtlp(portal, sql);
      verdicts.push(
        verdict(
          spans.ratio >= GOAL_SPANS_RATIO,
          `OTLP ${fmt(spans.rate)} spans/s, ${spans.ratio.toFixed(2)}× the one-transaction insert (goal ≥ ${GOAL_SPANS_RATIO}×)${spans.ratio >= GOAL_SPANS_RATIO ? "" : ": goal missed"}`,
        ),
      );
    }
    return verdicts;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
