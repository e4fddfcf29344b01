/**
 * npm run bench:proxy — requests per second and p50/p99 latency for the same GET on the same local
 * upstream (a small JSON body, like Jupyter's /api/status):
 *   direct                 load generator → upstream
 *   configurable-http-proxy  → JupyterHub's proxy (node_modules/.bin) with a route added over its REST API
 *   atrium                 → the workspace proxy behind server.ts's dispatch, with a real database,
 *                            a real user and API token (checked on every request), the real target lookup
 * Each runs in its own process; the load generator (load.ts) is this process. Loopback only.
 *
 * Targets (issue 3): atrium ≥ 1.5 × configurable-http-proxy in req/s at the highest concurrency, and
 * ≤ 1 ms added to direct at p50 with one connection (latency without queueing).
 *
 * BENCH_CONNECTIONS ("1,16"), BENCH_DURATION_S (5 per measurement), BENCH_ROUNDS (2, alternating the
 * order), BENCH_DB=postgres (Atrium's database on TEST_DATABASE_URL instead of in-memory PGlite).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { cpuSeconds, freePort, startBinary, startScript, stopAll } from "./children";
import { runLoad, type LoadResult } from "./load";
import { median, ms, percentile, sleep, verdict } from "./stats";

const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,16")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_MS = 1000;
const TARGET_THROUGHPUT = 1.5;
const TARGET_ADDED_P50_MS = 1;

type Mode = "direct" | "chp" | "atrium";
const MODES: Mode[] = ["direct", "chp", "atrium"];
const LABEL: Record<Mode, string> = { direct: "direct", chp: "configurable-http-proxy", atrium: "atrium proxy" };

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  /** The process doing the forwarding (none for direct). */
  pid?: number;
}

interface Measured extends LoadResult {
  /** CPU seconds the forwarding process used during the measurement. */
  cpu: number;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s`);
}

async function startChp(upstream: string, routePath: string): Promise<{ url: string; pid: number | undefined }> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const secret = randomBytes(16).toString("hex");
  const bin = path.join(process.cwd(), "node_modules", ".bin", "configurable-http-proxy");
  const chp = startBinary(
    bin,
    ["--ip", "127.0.0.1", "--port", String(port), "--api-ip", "127.0.0.1", "--api-port", String(apiPort), "--log-level", "error"],
    {
      ...process.env,
      CONFIGPROXY_AUTH_TOKEN: secret,
    },
  );
  const api = `http://127.0.0.1:${apiPort}/api/routes`;
  const auth = { authorization: `token ${secret}` };
  await waitFor(async () => (await fetch(api, { headers: auth })).ok, "configurable-http-proxy's API");
  // JupyterHub adds one route per server, /user/<name>/<server>, exactly like this.
  const res = await fetch(`${api}${routePath}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ target: upstream }),
  });
  if (res.status !== 201) throw new Error(`configurable-http-proxy refused the route: ${res.status}`);
  return { url: `http://127.0.0.1:${port}`, pid: chp.proc.pid };
}

/** One request must come back as the upstream's JSON through every path, or the figures mean nothing. */
async function sanityCheck(mode: Mode, e: Endpoint): Promise<void> {
  const res = await fetch(e.url, { headers: e.headers });
  const body = await res.text();
  if (res.status !== 200 || !body.includes('"kernels"')) throw new Error(`${LABEL[mode]} answered ${res.status}: ${body.slice(0, 200)}`);
}

function summary(results: Measured[]) {
  const latencies = results.flatMap((r) => r.latencies);
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const rps = requests / results.reduce((a, r) => a + r.seconds, 0);
  // Requests per CPU-second of the proxy: its capacity on a core of its own, whatever else runs here.
  const perCpu = requests / results.reduce((a, r) => a + r.cpu, 0);
  return { rps, perCpu, p50: median(latencies), p99: percentile(latencies, 99), errors: results.reduce((a, r) => a + r.errors, 0) };
}

async function measure(e: Endpoint, conns: number): Promise<Measured> {
  await runLoad(e.url, e.headers, conns, WARMUP_MS);
  const before = cpuSeconds(e.pid);
  const result = await runLoad(e.url, e.headers, conns, DURATION_MS);
  return { ...result, cpu: cpuSeconds(e.pid) - before };
}

async function main() {
  const upstream = await startScript<{ port: number }>("proxy-upstream.ts", []);
  const upstreamUrl = `http://127.0.0.1:${upstream.info.port}`;
  const atrium = await startScript<{ port: number; token: string; path: string }>("proxy-atrium.ts", [upstreamUrl], {
    ...process.env,
    AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-proxy-auth-secret-0123456789",
    DATABASE_URL: "",
  });
  const reqPath = atrium.info.path;
  const routePath = reqPath.split("/").slice(0, 4).join("/"); // /user/<name>/<server>
  const chp = await startChp(upstreamUrl, routePath);
  const headers = { authorization: `token ${atrium.info.token}` };
  const endpoints: Record<Mode, Endpoint> = {
    direct: { url: `${upstreamUrl}${reqPath}`, headers },
    chp: { url: `${chp.url}${reqPath}`, headers, pid: chp.pid },
    atrium: { url: `http://127.0.0.1:${atrium.info.port}${reqPath}`, headers, pid: atrium.child.proc.pid },
  };
  for (const mode of MODES) await sanityCheck(mode, endpoints[mode]);

  console.log(
    `bench:proxy — GET ${reqPath} (${process.env.BENCH_DB === "postgres" ? "Postgres" : "PGlite"}), ${ROUNDS} rounds × ${DURATION_MS / 1000} s per measurement`,
  );
  const figures = new Map<number, Record<Mode, ReturnType<typeof summary>>>();
  for (const conns of CONNECTIONS) {
    const results: Record<Mode, Measured[]> = { direct: [], chp: [], atrium: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        results[mode].push(await measure(endpoints[mode], conns));
      }
    }
    const row = { direct: summary(results.direct), chp: summary(results.chp), atrium: summary(results.atrium) };
    figures.set(conns, row);
    console.log(`\n${conns} connection${conns === 1 ? "" : "s"}`);
    for (const mode of MODES) {
      const s = row[mode];
      const capacity = mode === "direct" ? "" : `   ${s.perCpu.toFixed(0).padStart(6)} req per proxy CPU-s`;
      console.log(
        `  ${LABEL[mode].padEnd(24)} ${s.rps.toFixed(0).padStart(6)} req/s   p50 ${ms(s.p50).padStart(8)}   p99 ${ms(s.p99).padStart(8)}${capacity}${s.errors ? `   ${s.errors} errors` : ""}`,
      );
    }
    console.log(
      `  atrium / chp: req/s ${(row.atrium.rps / row.chp.rps).toFixed(2)}, per proxy CPU-s ${(row.atrium.perCpu / row.chp.perCpu).toFixed(2)}   added to direct at p50 ${ms(row.atrium.p50 - row.direct.p50)} (chp ${ms(row.chp.p50 - row.direct.p50)})`,
    );
  }

  const most = Math.max(...CONNECTIONS);
  const least = Math.min(...CONNECTIONS);
  const busy = figures.get(most);
  const quiet = figures.get(least);
  if (busy && quiet) {
    const ratio = busy.atrium.rps / busy.chp.rps;
    const capacityRatio = busy.atrium.perCpu / busy.chp.perCpu;
    const added = quiet.atrium.p50 - quiet.direct.p50;
    console.log("\ntargets");
    console.log(
      verdict(
        ratio >= TARGET_THROUGHPUT,
        `throughput at ${most} connections: ${ratio.toFixed(2)} × configurable-http-proxy (target ≥ ${TARGET_THROUGHPUT})`,
      ),
    );
    console.log(
      verdict(
        capacityRatio >= TARGET_THROUGHPUT,
        `requests per proxy CPU-second at ${most} connections: ${capacityRatio.toFixed(2)} × configurable-http-proxy (target ≥ ${TARGET_THROUGHPUT})`,
      ),
    );
    console.log(
      verdict(
        added <= TARGET_ADDED_P50_MS,
        `added latency at p50, ${least} connection${least === 1 ? "" : "s"}: ${ms(added)} (target ≤ ${TARGET_ADDED_P50_MS} ms)`,
      ),
    );
    const errors = MODES.reduce((a, m) => a + busy[m].errors + quiet[m].errors, 0);
    console.log(verdict(errors === 0, `${errors} failed requests`));
  }
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
    // Give the children their SIGTERM before this process goes.
    setTimeout(() => process.exit(), 300).unref();
  });
