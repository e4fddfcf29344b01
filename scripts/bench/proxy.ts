/**
 * npm run bench:proxy — the product's workspace proxy against JupyterHub's and nginx, on one real Jupyter
 * (`npm run build` first; needs the engine and the atrium-jupyterlab image; resets TEST_DATABASE_URL):
 *   direct                   load generator → the workspace's Jupyter, with its own token
 *   configurable-http-proxy  → JupyterHub's proxy (node_modules/.bin), the route added over its REST API as
 *                              JupyterHub does, the Jupyter token sent by the client
 *   nginx                    → nginx (one worker, upstream keep-alive), when `nginx` is installed
 *   atrium                   → the production portal started as `npm start` runs it (e2e/support/portal.ts),
 *                              on Postgres, with a person's real API token: the workspace proxy resolves the
 *                              token, checks access and the target and swaps in the workspace's token
 * The workspace is started through the portal's own API (POST /api/users/<name>/servers/<server>), so the
 * container, its token and its address are the ones a person gets. The load generator (load.ts) is this
 * process. GET /user/<name>/<server>/api/status everywhere (the issue's figures). Rounds interleave the
 * peers (the order alternates) after a warm-up of each.
 *
 * Targets (issue 26): at 50 connections atrium ≥ 1.5 × configurable-http-proxy in req/s and p99 no higher
 * than its; ≤ 1 ms added to direct at p50 with one connection.
 *
 * BENCH_CONNECTIONS ("1,10,50"), BENCH_DURATION_S (5 per measurement), BENCH_ROUNDS (3),
 * BENCH_PROFILE=<dir> (the portal's CPU profile, written when it stops). Ports: E2E_PORT_BASE + 50..54.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import { openDatabase } from "../../db/client";
import { findServer } from "../../db/queries/servers";
import { findUser, insertUser } from "../../db/queries/users";
import { DockerSpawner } from "../../lib/spawner";
import { SYSTEM_PRINCIPAL } from "../../lib/auth/principal";
import { insertApiToken } from "../../lib/tokens/manage";
import { startPortal, type RunningPortal } from "../../e2e/support/portal";
import { cpuSeconds, startBinary, stopAll } from "./children";
import { runLoad, type LoadResult } from "./load";
import { median, ms, percentile, sleep, verdict } from "./stats";

const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,50")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_MS = 1000;
const TARGET_THROUGHPUT = 1.5;
const TARGET_ADDED_P50_MS = 1;
const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 3300) + 50;
const PORTS = { portal: PORT_BASE, chp: PORT_BASE + 1, chpApi: PORT_BASE + 2, nginx: PORT_BASE + 3 };
const USER = "benchproxy";
const SERVER = "default";
const START_TIMEOUT_MS = 300_000;

type Mode = "direct" | "chp" | "nginx" | "atrium";
const LABEL: Record<Mode, string> = { direct: "direct", chp: "configurable-http-proxy", nginx: "nginx", atrium: "atrium (npm start)" };

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
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

async function startChp(upstream: string, routePath: string): Promise<{ url: string; pid: number | undefined }> {
  const secret = randomBytes(16).toString("hex");
  const bin = path.join(process.cwd(), "node_modules", ".bin", "configurable-http-proxy");
  const args = ["--ip", "127.0.0.1", "--port", String(PORTS.chp), "--api-ip", "127.0.0.1", "--api-port", String(PORTS.chpApi)];
  const chp = startBinary(bin, [...args, "--log-level", "error"], { ...process.env, CONFIGPROXY_AUTH_TOKEN: secret });
  const api = `http://127.0.0.1:${PORTS.chpApi}/api/routes`;
  const auth = { authorization: `token ${secret}` };
  await waitFor(async () => (await fetch(api, { headers: auth })).ok, "configurable-http-proxy's API answering");
  // JupyterHub adds one route per server, /user/<name>/<server>, exactly like this.
  const res = await fetch(`${api}${routePath}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ target: upstream }),
  });
  if (res.status !== 201) throw new Error(`configurable-http-proxy refused the route: ${res.status}`);
  return { url: `http://127.0.0.1:${PORTS.chp}`, pid: chp.proc.pid };
}

/** nginx as a reverse proxy is usually configured: one worker here (as the Node proxies have one thread), keep-alive upstream. */
function startNginx(upstream: string, dir: string): { url: string; pid: number | undefined } | undefined {
  if (spawnSync("nginx", ["-v"]).error) return undefined;
  const conf = path.join(dir, "nginx.conf");
  const { host } = new URL(upstream);
  writeFileSync(
    conf,
    `master_process off; worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream jupyter { server ${host}; keepalive 64; }
  server {
    listen 127.0.0.1:${PORTS.nginx};
    location / { proxy_pass http://jupyter; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; }
  }
}
`,
  );
  const child = startBinary("nginx", ["-p", dir, "-c", conf], process.env);
  return { url: `http://127.0.0.1:${PORTS.nginx}`, pid: child.proc.pid };
}

/** One request must come back as Jupyter's status through every path, or the figures mean nothing. */
async function sanityCheck(mode: Mode, e: Endpoint): Promise<void> {
  await waitFor(async () => (await fetch(e.url, { headers: e.headers })).ok, `${LABEL[mode]} answering`);
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
  const p = (q: number) => percentile(latencies, q);
  return { rps, perCpu, p50: median(latencies), p95: p(95), p99: p(99), errors: results.reduce((a, r) => a + r.errors, 0) };
}
type Summary = ReturnType<typeof summary>;

async function measure(e: Endpoint, conns: number): Promise<Measured> {
  await runLoad(e.url, e.headers, conns, WARMUP_MS);
  const before = cpuSeconds(e.pid);
  const result = await runLoad(e.url, e.headers, conns, DURATION_MS);
  return { ...result, cpu: cpuSeconds(e.pid) - before };
}

/** A person with a token of the default scopes (workspaces:access among them), in a fresh TEST_DATABASE_URL. */
async function createPerson(): Promise<string> {
  const handle = await openTestDatabase("postgres");
  try {
    const owner = await insertUser(handle.db, { name: USER, role: "user", roleSource: "admin" });
    if (!owner) throw new Error("could not create the bench user");
    return (await insertApiToken(handle.db, SYSTEM_PRINCIPAL, owner, { note: "bench:proxy" })).token;
  } finally {
    await handle.close();
  }
}

/** Where the workspace's Jupyter answers and its token, as the portal stored them, and the person's home volume. */
async function workspaceRow(): Promise<{ url: string; token: string; home?: string }> {
  const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: "" });
  try {
    const row = await findServer(handle.db, USER, SERVER);
    if (!row?.url || !row.jupyterToken) throw new Error(`the workspace has no address or token (status ${row?.status})`);
    return { url: row.url, token: row.jupyterToken, home: (await findUser(handle.db, USER))?.homeVolume };
  } finally {
    await handle.close();
  }
}

async function api(portal: RunningPortal, token: string, method: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${portal.url}/api/users/${USER}/servers/${SERVER}`, {
    method,
    headers: { authorization: `token ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} server answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function printRow(mode: Mode, s: Summary): void {
  const capacity = mode === "direct" ? "" : `   ${s.perCpu.toFixed(0).padStart(6)} req per proxy CPU-s`;
  console.log(
    `  ${LABEL[mode].padEnd(24)} ${s.rps.toFixed(0).padStart(6)} req/s   p50 ${ms(s.p50).padStart(8)}   p95 ${ms(s.p95).padStart(8)}   p99 ${ms(s.p99).padStart(8)}${capacity}${s.errors ? `   ${s.errors} errors` : ""}`,
  );
}

async function main() {
  const token = await createPerson();
  const nodeArgs = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  const portal = await startPortal(
    "bench-proxy",
    PORTS.portal,
    {
      DATABASE_URL: TEST_DATABASE_URL,
      AUTH_SECRET: "bench-proxy-auth-secret-0123456789abcdef",
      ATRIUM_PUBLIC_URL: `http://127.0.0.1:${PORTS.portal}`,
    },
    { nodeArgs },
  );
  const dir = mkdtempSync(path.join(tmpdir(), "bench-proxy-"));
  let started = false;
  let home: string | undefined;
  try {
    await api(portal, token, "POST", { environment: "python", cpu: 1, memGb: 1 });
    started = true;
    await waitFor(async () => (await api(portal, token, "GET")).status === "running", "the workspace running", START_TIMEOUT_MS);
    const jupyter = await workspaceRow();
    home = jupyter.home;
    const reqPath = `/user/${USER}/${SERVER}/api/status`;
    const chp = await startChp(jupyter.url, `/user/${USER}/${SERVER}`);
    const nginx = startNginx(jupyter.url, dir);
    // The peers get Jupyter's own token from the client (JupyterHub's API clients send theirs, which the
    // single-user server checks); Atrium gets the person's portal token and swaps in the workspace's.
    const jupyterAuth = { authorization: `token ${jupyter.token}` };
    const endpoints: Partial<Record<Mode, Endpoint>> = {
      direct: { url: `${jupyter.url}${reqPath}`, headers: jupyterAuth },
      chp: { url: `${chp.url}${reqPath}`, headers: jupyterAuth, pid: chp.pid },
      ...(nginx ? { nginx: { url: `${nginx.url}${reqPath}`, headers: jupyterAuth, pid: nginx.pid } } : {}),
      atrium: { url: `${portal.url}${reqPath}`, headers: { authorization: `token ${token}` }, pid: portal.pid },
    };
    const modes = (Object.keys(endpoints) as Mode[]).filter((m) => endpoints[m]);
    for (const mode of modes) await sanityCheck(mode, endpoints[mode]!);

    console.log(
      `bench:proxy — GET ${reqPath} on the real Jupyter (atrium-jupyterlab), portal on Postgres; ${ROUNDS} rounds × ${DURATION_MS / 1000} s per measurement; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    if (!nginx) console.log("  nginx is not installed: measured without it");
    const figures = new Map<number, Partial<Record<Mode, Summary>>>();
    const background = { cpu: 0, seconds: 0 };
    for (const conns of CONNECTIONS) {
      const results = new Map<Mode, Measured[]>(modes.map((m) => [m, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
          const before = cpuSeconds(portal.pid);
          const measured = await measure(endpoints[mode]!, conns);
          results.get(mode)?.push(measured);
          // What the portal burns while it proxies nothing (the leader's loops): read beside its per-request figure.
          if (mode !== "atrium") {
            background.cpu += cpuSeconds(portal.pid) - before;
            background.seconds += measured.seconds + WARMUP_MS / 1000;
          }
        }
      }
      const row: Partial<Record<Mode, Summary>> = {};
      for (const mode of modes) row[mode] = summary(results.get(mode) ?? []);
      figures.set(conns, row);
      console.log(`\n${conns} connection${conns === 1 ? "" : "s"}`);
      for (const mode of modes) printRow(mode, row[mode]!);
      const { atrium, chp: c, direct } = row;
      if (atrium && c && direct)
        console.log(
          `  atrium / chp: req/s ${(atrium.rps / c.rps).toFixed(2)}, per proxy CPU-s ${(atrium.perCpu / c.perCpu).toFixed(2)}, p99 ${ms(atrium.p99)} vs ${ms(c.p99)}   added to direct at p50 ${ms(atrium.p50 - direct.p50)} (chp ${ms(c.p50 - direct.p50)})`,
        );
    }

    console.log(
      `\nthe portal's background work (leader loops) while the peers were measured: ${ms((background.cpu / background.seconds) * 1000)} CPU per second`,
    );
    const busy = figures.get(Math.max(...CONNECTIONS));
    const quiet = figures.get(Math.min(...CONNECTIONS));
    if (busy?.atrium && busy.chp && quiet?.atrium && quiet.direct) {
      const most = Math.max(...CONNECTIONS);
      const ratio = busy.atrium.rps / busy.chp.rps;
      const capacityRatio = busy.atrium.perCpu / busy.chp.perCpu;
      const added = quiet.atrium.p50 - quiet.direct.p50;
      console.log(`\ntargets (load average ${loadavg()[0]?.toFixed(1)})`);
      console.log(
        verdict(
          ratio >= TARGET_THROUGHPUT,
          `throughput at ${most} connections: ${ratio.toFixed(2)} × configurable-http-proxy (target ≥ ${TARGET_THROUGHPUT})`,
        ),
      );
      console.log(
        verdict(
          busy.atrium.p99 <= busy.chp.p99,
          `p99 at ${most} connections: ${ms(busy.atrium.p99)} against configurable-http-proxy's ${ms(busy.chp.p99)} (target ≤)`,
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
          `added latency at p50, ${Math.min(...CONNECTIONS)} connection(s): ${ms(added)} (target ≤ ${TARGET_ADDED_P50_MS} ms)`,
        ),
      );
      const errors = [...figures.values()].reduce((a, row) => a + Object.values(row).reduce((b, s) => b + s.errors, 0), 0);
      console.log(verdict(errors === 0, `${errors} failed requests`));
    }
  } finally {
    stopAll();
    if (started) {
      // The workspace goes as it came, through the portal (its container and the person's volume).
      await api(portal, token, "DELETE", {}).catch((err: unknown) => console.error("[bench] stopping the workspace failed:", err));
      await waitFor(
        async () => ["stopped", "failed"].includes(String((await api(portal, token, "GET")).status)),
        "the workspace stopping",
        120_000,
      ).catch((err: unknown) => console.error(`[bench] ${String(err)}`));
    }
    await portal.stop();
    // The bench person's home volume (a fresh person each run) goes too.
    if (home) await new DockerSpawner().removeVolume(home).catch((err: unknown) => console.error(`[bench] removing ${home} failed:`, err));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
