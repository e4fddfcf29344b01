import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { openWebSocket, type TestWebSocket } from "../lib/proxy/ws-test-client";
import { FORK_BOMB } from "../lib/spawner/fork-bomb";
import { sendExecute, stdoutOf } from "../lib/workspaces/kernel-test-client";
import { asBootstrap, bearer, errorCode, mlflowPost, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { ensureDatabase, resetDatabase } from "./support/database";
import { removeEverythingOf, writeHomeOf } from "./support/engine";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { hostRequest } from "./support/host-request";
import { startPortal, type RunningPortal } from "./support/portal";
import { watchPortal, type HealthPoll, type RssSample } from "./support/portal-watch";

/**
 * Issue 24's closing condition: a plain user with her own API token fires every bomb of the issue at
 * one portal (the production server, Postgres, the real engine and JupyterLab image) while
 * `GET /api/health` is polled every 250 ms and the portal process's resident memory is sampled. The
 * portal must answer every health check within seconds, stay within its memory bound, and refuse
 * each bomb with its sentence:
 * - a job that prints 300 MB: the execution ends and its log is kept up to ATRIUM_JOB_LOG_MAX_MIB with the cut said;
 * - a fork bomb in the workspace (through the proxy, in a kernel): stopped at the pids limit;
 * - a usercustomize.py that floods pip's output: the package list answers 502 output_limit;
 * - 20 parallel overwrites and deletes of one artifact: counted storage equals a recount;
 * - an oversized body (413), a forged Host (421), a trace past its cap (413).
 * Then, with the workspace still running, a page on another port of the same host attacks the
 * signed-in owner through the browser (real Chromium): a write, the workspace's kernel WebSocket and
 * cross-origin reads, all refused.
 */
const PORT = extraPort(33);
const BASE = localUrl(PORT);
/** Node's own clients go to the address: `localhost` may resolve to ::1, where the portal does not listen. */
const DIRECT = `http://127.0.0.1:${PORT}`;
const ATTACKER_PORT = extraPort(34);
const DB = process.env.E2E_BOMBS_DATABASE_URL ?? E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_bombs$1");
const USER = "bomber";
const SERVER = "bombs";
const MIB = 1024 ** 2;
const LOG_CAP_MIB = 4;
/**
 * The portal's memory may grow this much over its warmed-up peak while the container-output bombs
 * run (the bound: before the bounded reader one pip list took the portal to 4.4 GB and one
 * job log to +1.3 GB; now each holds at most a 1 MiB line queue and a 256 KiB write batch).
 */
const OUTPUT_BOMBS_GROWTH = 50 * MIB;
/**
 * And this much while the request bombs run: they are read up to their caps before being refused or
 * stored, and a trace upload up to 16 MiB is parsed as JSON (its text and its objects, 3 to 4 times
 * its size), so the heap may grow by about 64 MiB before the collector runs.
 */
const REQUEST_BOMBS_GROWTH = 100 * MIB;
/** A health check slower than this counts as the portal not answering. */
const HEALTH_ANSWER_MS = 5_000;

test.describe.configure({ mode: "serial" });

let portal: RunningPortal | undefined;
let dataDir = "";
let token = "";
let kernelId = "";

const jupyter = (rest: string) => `${DIRECT}/user/${USER}/${SERVER}/${rest}`;
const auth = () => bearer(token);

/** Runs `code` in the kernel and returns the one thing it prints. */
async function inKernel(ws: TestWebSocket, code: string, timeoutMs = 120_000): Promise<string> {
  const msgId = sendExecute(ws, { code, username: USER });
  const out = await stdoutOf(ws, msgId, timeoutMs);
  if (out === undefined) throw new Error(`the kernel printed nothing within ${timeoutMs / 1000} s for:\n${code}`);
  return out.trim();
}

async function openKernel(): Promise<TestWebSocket> {
  const ws = await openWebSocket(jupyter(`api/kernels/${kernelId}/channels`), { Authorization: `Bearer ${token}` });
  if (!ws.upgraded) throw new Error(`kernel WebSocket refused: ${ws.status} ${ws.body}`);
  return ws.ws;
}

async function usedBytes(request: APIRequestContext): Promise<number> {
  const me = (await (await request.get(`${DIRECT}/api/me`, { headers: auth() })).json()) as { storage: { usedBytes: number } };
  return me.storage.usedBytes;
}

/** A JSON body of `bytes` bytes: `{"name":"xxx..."}`. */
const bigJson = (bytes: number) => `{"name":"${"x".repeat(bytes - 11)}"}`;

test.beforeAll(async ({ request }) => {
  test.setTimeout(400_000);
  await removeEverythingOf([USER]);
  await ensureDatabase(DB);
  await resetDatabase(DB);
  dataDir = mkdtempSync(path.join(os.tmpdir(), "atrium-survival-e2e-"));
  // What a crashed portal of this host left in the job spool: the new one removes it at start.
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
  mkdirSync(path.join(dataDir, "job-spool", `${dead}@${os.hostname()}-crash1`), { recursive: true });
  writeFileSync(path.join(dataDir, "job-spool", `${dead}@${os.hostname()}-crash1`, "job.log"), "left over");
  portal = await startPortal("survival", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: DB,
    ATRIUM_DATA_DIR: dataDir,
    ATRIUM_PUBLIC_URL: BASE,
    ATRIUM_JOB_LOG_MAX_MIB: String(LOG_CAP_MIB),
    ATRIUM_JOBS_TICK_S: "1",
  });
  token = await userWithToken(request, DIRECT, USER);
  const started = await request.post(`${DIRECT}/api/users/${USER}/servers/${SERVER}`, {
    headers: auth(),
    data: { environment: "python", cpu: 1, memGb: 2 },
  });
  expect(started.status(), await started.text()).toBe(202);
  await expect
    .poll(
      async () =>
        ((await (await request.get(`${DIRECT}/api/users/${USER}/servers/${SERVER}`, { headers: auth() })).json()) as { status: string })
          .status,
      { timeout: 240_000, intervals: [1000] },
    )
    .toBe("running");
  const kernel = await request.post(jupyter("api/kernels"), { headers: auth(), data: { name: "python3" } });
  expect(kernel.status(), await kernel.text()).toBe(201);
  kernelId = ((await kernel.json()) as { id: string }).id;
});

test.afterAll(async () => {
  await portal?.stop();
  await removeEverythingOf([USER]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function peak(samples: RssSample[], phases: string[]): number {
  return Math.max(0, ...samples.filter((s) => phases.includes(s.phase)).map((s) => s.bytes));
}

test("every bomb of issue 24 in one run: the portal answers /api/health throughout and stays within its memory bound", async ({
  request,
}) => {
  test.setTimeout(900_000);
  if (!portal) throw new Error("portal not started");
  const watch = watchPortal(DIRECT, portal.pid);
  let watched: { health: HealthPoll[]; rss: RssSample[] };
  const kernel = await openKernel();
  try {
    // The job's script in the owner's home (jobs run in the same home volume as her workspace).
    const loud = 'import sys\nline = "z" * 1023 + "\\n"\nfor _ in range(300 * 1024):\n    sys.stdout.write(line)\nprint("the end")\n';
    expect(await inKernel(kernel, `open("/home/jovyan/loud.py", "w").write(${JSON.stringify(loud)}); print("written")`)).toBe("written");
    const sitePackages = await inKernel(kernel, "import site; print(site.getusersitepackages())");
    expect(sitePackages).toBe("/home/jovyan/.local/lib/python3.13/site-packages");

    // Warm-up: every route the bombs use answers once the ordinary way, so that what is measured
    // afterwards is the bombs, not Next loading a route or the first database connection.
    watch.phase("warm-up");
    const exp = await mlflowPost(request, DIRECT, token, "experiments/create", { name: "bombs" });
    const experimentId = String(exp.experiment_id);
    const run = (await mlflowPost(request, DIRECT, token, "runs/create", { experiment_id: experimentId })) as {
      run: { info: { run_id: string } };
    };
    const key = `${DIRECT}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${run.run.info.run_id}/artifacts/race.bin`;
    const traceHex = "ab".repeat(16);
    const traceId = `tr-${traceHex}`;
    const startTrace = await request.post(`${DIRECT}/api/3.0/mlflow/traces`, {
      headers: auth(),
      data: {
        trace: {
          trace_info: {
            trace_id: traceId,
            trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
            request_time: new Date().toISOString(),
            state: "OK",
          },
        },
      },
    });
    expect(startTrace.status(), await startTrace.text()).toBe(200);
    const traceJson = `${DIRECT}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/traces/${traceId}/artifacts/traces.json`;
    const span = (spanHex: string, chars: number) => ({
      trace_id: Buffer.from(traceHex, "hex").toString("base64"),
      span_id: Buffer.from(spanHex, "hex").toString("base64"),
      parent_span_id: "",
      name: "s",
      start_time_unix_nano: 1,
      end_time_unix_nano: 2,
      attributes: { "mlflow.spanInputs": JSON.stringify("x".repeat(chars)) },
      status: { code: "STATUS_CODE_OK", message: "" },
      events: [],
    });
    const job = await request.post(`${DIRECT}/api/jobs`, {
      headers: auth(),
      data: { name: "loud", path: "loud.py", environment: "python", cpu: 0.5, memGb: 0.5, timeoutS: 600, trigger: { kind: "manual" } },
    });
    expect(job.status(), await job.text()).toBe(201);
    const jobId = ((await job.json()) as { id: string }).id;
    for (let i = 0; i < 3; i++) {
      expect((await request.get(`${DIRECT}/api/me`, { headers: auth() })).status()).toBe(200);
      expect((await request.get(`${DIRECT}/api/users/${USER}/servers/${SERVER}/packages`, { headers: auth() })).status()).toBe(200);
      expect((await request.put(key, { headers: auth(), data: Buffer.alloc(1024, 1) })).status()).toBe(200);
      expect((await request.delete(key, { headers: auth() })).status()).toBe(200);
      expect(
        (await request.put(traceJson, { headers: auth(), data: JSON.stringify({ spans: [span("01".repeat(8), 100)] }) })).status(),
      ).toBe(200);
      expect((await request.get(`${DIRECT}/api/jobs/${jobId}/executions`, { headers: auth() })).status()).toBe(200);
      expect((await request.post(`${DIRECT}/api/admin/storage/recount`, { headers: asBootstrap })).status()).toBe(200);
      expect((await hostRequest(PORT, `evil.example:${PORT}`, "/api/me", { headers: auth() })).status).toBe(421);
      const small = await request.post(`${DIRECT}/api/jobs`, {
        headers: { ...auth(), "content-type": "application/json" },
        data: bigJson(2 * MIB),
      });
      expect(small.status()).toBe(413);
    }
    // The warmed-up portal at rest: its peak over a few seconds is the baseline (Next's heap breathes).
    watch.phase("baseline");
    await new Promise((r) => setTimeout(r, 5_000));

    // 1. A job that prints 300 MB, left running while the other bombs go off.
    watch.phase("output bombs");
    const queued = await request.post(`${DIRECT}/api/jobs/${jobId}/executions`, { headers: auth() });
    expect(queued.status(), await queued.text()).toBe(202);
    const executionId = ((await queued.json()) as { id: string }).id;

    // 2. A fork bomb in the workspace, through the portal's proxy: stopped at the pids limit.
    const bomb = await inKernel(
      kernel,
      `import subprocess; r = subprocess.run(${JSON.stringify(FORK_BOMB)}, capture_output=True, text=True, timeout=300); print(r.stdout.strip() or r.stderr[-500:])`,
      300_000,
    );
    expect(bomb).toMatch(/^\d+ EAGAIN$/);
    expect(Number(bomb.split(" ")[0])).toBeLessThan(1024);

    // 3. usercustomize.py floods pip's output: the package list is refused with a sentence.
    const flood =
      'import os, sys\nif os.environ.get("PIP_USER") == "0":\n    line = "x" * 1023 + "\\n"\n    while True:\n        sys.stdout.write(line)\n';
    const customize = `${sitePackages}/usercustomize.py`;
    expect(
      await inKernel(
        kernel,
        `import os; os.makedirs(${JSON.stringify(sitePackages)}, exist_ok=True); open(${JSON.stringify(customize)}, "w").write(${JSON.stringify(flood)}); print("planted")`,
      ),
    ).toBe("planted");
    // 4. ... while 20 overwrites and deletes of one artifact race each other.
    const race = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 3 === 2
          ? request.delete(key, { headers: auth() }).then((r) => r.status())
          : request.put(key, { headers: auth(), data: Buffer.alloc((i + 1) * 64 * 1024, i) }).then((r) => r.status()),
      ),
    );
    const packages = await request.get(`${DIRECT}/api/users/${USER}/servers/${SERVER}/packages`, { headers: auth() });
    expect(packages.status(), await packages.text()).toBe(502);
    expect(await packages.json()).toEqual({
      error: "output_limit",
      message: "pip printed more than 8 MiB; the package list was not read.",
    });
    for (const status of await race) expect([200, 404]).toContain(status);
    expect(await inKernel(kernel, `import os; os.remove(${JSON.stringify(customize)}); print("removed")`)).toBe("removed");

    // The job ended, and its log is kept up to the cap with the cut said.
    await expect
      .poll(
        async () =>
          (
            (await (await request.get(`${DIRECT}/api/jobs/${jobId}/executions/${executionId}`, { headers: auth() })).json()) as {
              state: string;
            }
          ).state,
        { timeout: 300_000, intervals: [1000] },
      )
      .toBe("succeeded");
    const logUrl = `${DIRECT}/api/jobs/${jobId}/executions/${executionId}/log`;
    await expect.poll(async () => (await request.get(logUrl, { headers: auth() })).status(), { timeout: 120_000 }).toBe(200);
    const log = await (await request.get(logUrl, { headers: auth() })).body();
    const marker = `[atrium] log truncated at ${LOG_CAP_MIB} MiB\n`;
    expect(log.length).toBeGreaterThan((LOG_CAP_MIB - 1) * MIB);
    expect(log.length).toBeLessThanOrEqual(LOG_CAP_MIB * MIB + marker.length);
    expect(log.subarray(0, 1024).toString()).toBe(`${"z".repeat(1023)}\n`);
    expect(log.subarray(-marker.length).toString()).toBe(marker);
    // The log went through the spool under ATRIUM_DATA_DIR, which is empty again; a crashed portal's leftovers were cleared at start.
    expect(existsSync(path.join(dataDir, "job-spool"))).toBe(true);
    expect(readdirSync(path.join(dataDir, "job-spool"))).toEqual([]);

    // 5. Requests past their caps.
    watch.phase("request bombs");
    const body = await request.post(`${DIRECT}/api/jobs`, {
      headers: { ...auth(), "content-type": "application/json" },
      data: bigJson(8 * MIB),
    });
    expect(body.status()).toBe(413);
    expect(await errorCode(body)).toBe("body_too_large");
    const forged = await hostRequest(PORT, `evil.example:${PORT}`, "/api/me", { headers: auth() });
    expect([forged.status, (JSON.parse(forged.body) as { error: string }).error]).toEqual([421, "misdirected_request"]);
    const giant = await request.put(traceJson, {
      headers: auth(),
      data: JSON.stringify({ spans: [span("02".repeat(8), 9 * MIB), span("03".repeat(8), 9 * MIB)] }),
    });
    expect(giant.status(), await giant.text()).toBe(413);
    expect(((await giant.json()) as { error_code: string }).error_code).toBe("REQUEST_LIMIT_EXCEEDED");

    // Storage as counted after the race equals a recount from what the store holds.
    const counted = await usedBytes(request);
    expect((await request.post(`${DIRECT}/api/admin/storage/recount`, { headers: asBootstrap })).status()).toBe(200);
    expect(await usedBytes(request)).toBe(counted);
    watch.phase("after");
    expect((await request.get(`${DIRECT}/api/me`, { headers: auth() })).status()).toBe(200);
  } finally {
    kernel.close();
    watched = await watch.stop();
  }

  const { health, rss } = watched;
  const during = health.filter((h) => h.phase !== "start" && h.phase !== "warm-up");
  const slowest = Math.max(...during.map((h) => h.ms));
  const baseline = peak(rss, ["baseline"]);
  const mib = (b: number) => `${(b / MIB).toFixed(1)} MiB`;
  console.log(
    `[survival] ${during.length} health checks, slowest ${slowest} ms, degraded ${during.filter((h) => h.says !== "ok").length}; ` +
      `RSS baseline ${mib(baseline)}, output bombs peak +${mib(peak(rss, ["output bombs"]) - baseline)}, ` +
      `request bombs peak +${mib(peak(rss, ["request bombs"]) - baseline)}`,
  );
  expect(during.length).toBeGreaterThan(20);
  expect(during.filter((h) => h.status !== 200)).toEqual([]);
  expect(slowest).toBeLessThan(HEALTH_ANSWER_MS);
  expect(baseline).toBeGreaterThan(0);
  expect(peak(rss, ["output bombs"]) - baseline).toBeLessThan(OUTPUT_BOMBS_GROWTH);
  expect(peak(rss, ["request bombs"]) - baseline).toBeLessThan(REQUEST_BOMBS_GROWTH);
});

/**
 * The page another port of the same host serves (any local dev server, a notebook's web app): it runs
 * with the owner signed in to the portal, so the browser attaches her session cookie to what it sends
 * the portal when the page is same-site with it (`localhost`: SameSite=Lax lets it through), and
 * withholds it when not (`127.0.0.1` is another site than `localhost`). It tries (a) writes with the
 * cookie: a JSON one, and "simple" ones the browser sends without asking (a token as text/plain, a
 * bodiless pause of a job, a kernel started through the workspace proxy); (b) the
 * workspace's kernel over WebSocket, which would run its code as the owner; (c) reading API and
 * Jupyter answers cross-origin. It reports what it could see; the test then checks what changed.
 */
function attackPage(kernel: string, jobId: string): string {
  const portalHost = `localhost:${PORT}`;
  const portal = `http://${portalHost}`;
  const execute = JSON.stringify({
    header: { msg_id: "attack-1", username: "attacker", session: "attack", msg_type: "execute_request", version: "5.3" },
    parent_header: {},
    metadata: {},
    content: {
      code: "open('/home/jovyan/pwned', 'w').write('x')",
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
    },
    channel: "shell",
    buffers: [],
  });
  return `<!doctype html><html><body><script>
(async () => {
  const out = {};
  const read = (url, init) => fetch(url, { credentials: "include", ...init }).then(
    async (r) => "read " + r.status + " " + (await r.text()).slice(0, 200),
    () => "blocked",
  );
  out.writeJson = await read("${portal}/api/users/${USER}/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ note: "xsite-json" }) });
  await fetch("${portal}/api/users/${USER}/tokens", { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: JSON.stringify({ note: "xsite-plain" }) }).catch(() => null);
  // Bodiless and text/plain POSTs are "simple": the browser sends them with the cookie without asking.
  await fetch("${portal}/api/jobs/${jobId}/pause", { method: "POST", mode: "no-cors", credentials: "include" }).catch(() => null);
  await fetch("${portal}/user/${USER}/${SERVER}/api/kernels", { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: JSON.stringify({ name: "python3" }) }).catch(() => null);
  out.kernel = await new Promise((resolve) => {
    const ws = new WebSocket("ws://${portalHost}/user/${USER}/${SERVER}/api/kernels/${kernel}/channels");
    const timer = setTimeout(() => resolve("no answer"), 15000);
    ws.onopen = () => { ws.send(${JSON.stringify(execute)}); setTimeout(() => { clearTimeout(timer); resolve("open"); }, 3000); };
    ws.onclose = () => { clearTimeout(timer); resolve("refused"); };
  });
  out.readMe = await read("${portal}/api/me");
  out.readTokens = await read("${portal}/api/users/${USER}/tokens");
  out.readJupyter = await read("${portal}/user/${USER}/${SERVER}/api/contents");
  window.attack = out;
  document.title = "done";
})();
</script></body></html>`;
}

test("a page on another port of the same host can neither write, nor open the workspace's kernel, nor read answers with the owner's cookie", async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  let served = "";
  const attacker: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(served);
  });
  await new Promise<void>((resolve) => attacker.listen(ATTACKER_PORT, "127.0.0.1", () => resolve()));
  try {
    await devSignIn(page, BASE, USER);
    const tokens = async () =>
      ((await (await request.get(`${DIRECT}/api/users/${USER}/tokens`, { headers: auth() })).json()) as { note: string | null }[]).map(
        (t) => t.note,
      );
    const tokensBefore = await tokens();
    await writeHomeOf(request, DIRECT, USER, { "victim.py": "print('victim')\n" });
    const job = await request.post(`${DIRECT}/api/jobs`, {
      headers: auth(),
      data: { name: "victim", path: "victim.py", environment: "python", cpu: 0.5, memGb: 0.5, timeoutS: 60, trigger: { kind: "manual" } },
    });
    expect(job.status(), await job.text()).toBe(201);
    const jobId = ((await job.json()) as { id: string }).id;
    const paused = async () =>
      ((await (await request.get(`${DIRECT}/api/jobs/${jobId}`, { headers: auth() })).json()) as { paused: boolean }).paused;
    const kernels = async () => ((await (await request.get(jupyter("api/kernels"), { headers: auth() })).json()) as unknown[]).length;
    const kernelsBefore = await kernels();
    // The owner's own page can open her kernel with the same cookie: the refusals below are about where the page is.
    const own = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => {
            ws.close();
            resolve("open");
          };
          ws.onclose = () => resolve("refused");
        }),
      `ws://localhost:${PORT}/user/${USER}/${SERVER}/api/kernels/${kernelId}/channels`,
    );
    expect(own).toBe("open");

    served = attackPage(kernelId, jobId);
    const seen: Record<string, Record<string, string>> = {};
    const origins = [`http://localhost:${ATTACKER_PORT}`, `http://127.0.0.1:${ATTACKER_PORT}`];
    for (const origin of origins) {
      await visit(page, `${origin}/`);
      await expect(page).toHaveTitle("done", { timeout: 30_000 });
      seen[origin] = await page.evaluate(() => (window as unknown as { attack: Record<string, string> }).attack);
    }

    // Nothing changed: no token, the job not paused, no kernel started, no file written through the kernel.
    expect.soft(await tokens(), "tokens").toEqual(tokensBefore);
    expect.soft(await paused(), "job paused").toBe(false);
    expect.soft(await kernels(), "kernels").toBe(kernelsBefore);
    expect.soft((await request.get(jupyter("api/contents/pwned"), { headers: auth() })).status(), "file written by the kernel").toBe(404);
    // And the page saw nothing: every write and read failed in the browser, the WebSocket was closed unopened.
    const refused = { writeJson: "blocked", kernel: "refused", readMe: "blocked", readTokens: "blocked", readJupyter: "blocked" };
    expect(seen).toEqual(Object.fromEntries(origins.map((o) => [o, refused])));
  } finally {
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  }
});
