/**
 * npm run bench:memory — the production portal's resident memory (`npm run build` first; resets
 * TEST_DATABASE_URL): idle after start, during a load series over HTTP with a real token (BENCH_STEPS (4) steps of
 * BENCH_STEP_S (20) s each, BENCH_WRITERS (8) clients logging 1,000-point batches, exporting 50-span traces and
 * searching runs), and after the load once the portal has been idle for BENCH_SETTLE_S (30) s. Issue 26's goal:
 * back within +50 MB of idle after the load. RSS is read from /proc (Linux). BENCH_PORT (4551).
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { encodeOtlpProtobuf } from "../../lib/tracking/traces/otlp";
import { traceSpans } from "./ingest";
import { startBenchPortal, type BenchPortal } from "./portal";
import { sleep, verdict } from "./stats";

const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const STEPS = Number(process.env.BENCH_STEPS ?? 4);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 20);
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 30);
const PORT = Number(process.env.BENCH_PORT ?? 4551);
const GOAL_MB = 50;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? NaN) / 1024;
}

/** One client's mix until `until`: a log-batch, an OTLP export, a runs/search, over and over. */
async function client(portal: BenchPortal, exp: string, runId: string, until: number): Promise<number> {
  let requests = 0;
  for (let b = 0; performance.now() < until; b++) {
    const now = Date.now();
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: `m${i % 10}`,
      value: Math.random(),
      timestamp: now,
      step: b * 100 + Math.floor(i / 10),
    }));
    await portal.json("POST", "/api/2.0/mlflow/runs/log-batch", { run_id: runId, metrics });
    await portal.call("POST", "/v1/traces", encodeOtlpProtobuf(traceSpans()), {
      "content-type": "application/x-protobuf",
      "x-mlflow-experiment-id": exp,
    });
    await portal.json("POST", "/api/2.0/mlflow/runs/search", { experiment_ids: [exp], order_by: ["metrics.m1 DESC"], max_results: 100 });
    requests += 3;
  }
  return requests;
}

async function main(): Promise<void> {
  const portal = await startBenchPortal("bench-memory", PORT, WRITERS);
  try {
    await sleep(10_000);
    const idle = rssMb(portal.pid);
    console.log(`bench:memory: the production portal (pid ${portal.pid}), idle after start: ${idle.toFixed(0)} MB RSS`);
    const exp = String((await portal.json("POST", "/api/2.0/mlflow/experiments/create", { name: "bench-memory" })).experiment_id);
    const runIds: string[] = [];
    for (let w = 0; w < WRITERS; w++) {
      const body = await portal.json("POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp, start_time: Date.now() });
      runIds.push((body.run as { info: { run_id: string } }).info.run_id);
    }
    let peak = idle;
    for (let step = 1; step <= STEPS; step++) {
      const until = performance.now() + STEP_S * 1000;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(portal.pid))), 500);
      const counts = await Promise.all(runIds.map((id) => client(portal, exp, id, until)));
      clearInterval(sampler);
      const now = rssMb(portal.pid);
      peak = Math.max(peak, now);
      console.log(
        `  load step ${step}/${STEPS}: ${counts.reduce((a, b) => a + b, 0)} requests in ${STEP_S} s from ${WRITERS} clients, RSS ${now.toFixed(0)} MB (peak so far ${peak.toFixed(0)} MB)`,
      );
    }
    await sleep(SETTLE_S * 1000);
    const after = rssMb(portal.pid);
    console.log(`  after the load, ${SETTLE_S} s idle: ${after.toFixed(0)} MB RSS (idle ${idle.toFixed(0)}, peak ${peak.toFixed(0)})`);
    console.log(
      `  load average (1/5/15 min): ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" / ")}`,
    );
    const grown = after - idle;
    console.log(
      verdict(
        grown <= GOAL_MB,
        `RSS after load ${grown >= 0 ? "+" : ""}${grown.toFixed(0)} MB over idle (goal ≤ +${GOAL_MB} MB)${grown <= GOAL_MB ? "" : ": goal missed"}`,
      ),
    );
  } finally {
    await portal.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
