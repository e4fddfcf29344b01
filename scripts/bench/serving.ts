/**
 * npm run bench:serving — `POST /invocations` of a real scikit-learn model (lib/serving/testing/scoring.ts, the
 * real environment image) three ways, in one run, interleaved, after a warm-up:
 *   direct        load generator → the scoring container
 *   portal        → the production portal (`npm start`'s server.js) with a real API token checked on every call,
 *                   the request log at full sampling (every row with its bodies)
 *   portal, log off  → a second portal on the same database with ATRIUM_SERVING_REQUEST_LOG=false
 * at 1 and 16 concurrent clients (BENCH_CONNECTIONS). The endpoint and its replica row are written straight to the
 * database (the reconciler is not needed to measure the proxy): one served entity, its one replica the container.
 *
 * Targets (issue 27): added p50 ≤ 1 ms and throughput ≥ 0.9 × direct; full sampling ≥ 0.9 × logging off in req/s.
 * Needs `npm run build`, Docker with atrium-jupyterlab:1, and Postgres at TEST_DATABASE_URL (its migrations are
 * applied; rows are added under names unique to the run). BENCH_DURATION_S (5), BENCH_ROUNDS (2), E2E_PORT_BASE,
 * BENCH_PROFILE=<dir> (each portal's CPU profile, in <dir>/logged and <dir>/unlogged).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { insertUser } from "../../db/queries/users";
import { servingEndpointConfigs, servingEndpoints, servingReplicas, servingRequestLog } from "../../db/schema";
import { openTestDatabase } from "../../db/testing";
import { openLeaderLockSession } from "../../db/leader-lock";
import { eq, count } from "drizzle-orm";
import { SYSTEM_PRINCIPAL } from "../../lib/auth/principal";
import { SEEDED_IMAGE } from "../../lib/spawner/testing";
import { IRIS_COLUMNS, IRIS_ROWS, startScoringContainer } from "../../lib/serving/testing/scoring";
import { createApiToken } from "../../lib/users/tokens";
import { startPortal, type RunningPortal } from "../../e2e/support/portal";
import { cpuSeconds } from "./children";
import { runLoad, type LoadResult } from "./load";
import { median, ms, percentile, verdict } from "./stats";

const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,16")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_MS = 1500;
const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 4100);
const BODY = JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data: IRIS_ROWS } });

type Mode = "direct" | "logged" | "unlogged";
const MODES: Mode[] = ["direct", "logged", "unlogged"];
const LABEL: Record<Mode, string> = { direct: "direct", logged: "portal, log 100 %", unlogged: "portal, log off" };

interface Target {
  url: string;
  headers: Record<string, string>;
  pid?: number;
}

interface Measured extends LoadResult {
  cpu: number;
}

async function measure(t: Target, conns: number): Promise<Measured> {
  await runLoad(t.url, t.headers, conns, WARMUP_MS, BODY);
  const before = cpuSeconds(t.pid);
  const result = await runLoad(t.url, t.headers, conns, DURATION_MS, BODY);
  return { ...result, cpu: cpuSeconds(t.pid) - before };
}

function summary(results: Measured[]) {
  const latencies = results.flatMap((r) => r.latencies);
  const requests = results.reduce((a, r) => a + r.requests, 0);
  return {
    rps: requests / results.reduce((a, r) => a + r.seconds, 0),
    p50: median(latencies),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    cpuMsPerReq: (results.reduce((a, r) => a + r.cpu, 0) * 1000) / Math.max(1, requests),
    errors: results.reduce((a, r) => a + r.errors, 0),
  };
}

async function main() {
  const run = `bench${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const handle = await openTestDatabase("postgres");
  const db = handle.db;
  const portals: RunningPortal[] = [];
  let leaderLock: ReturnType<typeof openLeaderLockSession> | undefined;
  const scoring = await startScoringContainer(`atrium-bench-serving-${run}`, SEEDED_IMAGE);
  try {
    // The endpoint as the reconciler leaves it: an active config with one ready replica (the container).
    const owner = await insertUser(db, { name: run, role: "user", roleSource: "admin" });
    if (!owner) throw new Error("could not create the bench user");
    const { token } = await createApiToken(db, SYSTEM_PRINCIPAL, run, { note: "bench:serving", scopes: ["serving:invoke"] });
    const endpointId = randomUUID().replace(/-/g, "");
    const configId = randomUUID().replace(/-/g, "");
    await db
      .insert(servingEndpoints)
      .values({ id: endpointId, name: run, ownerId: owner.id, ready: "READY", configUpdate: "NOT_UPDATING" });
    const entity = {
      name: "iris-1",
      entityName: "iris",
      entityVersion: 1,
      entityAlias: null,
      workloadSize: "Small",
      cpu: 0.5,
      memGb: 1,
      scaleToZeroEnabled: false,
      minReplicas: 1,
      maxReplicas: 1,
      environmentId: null,
    };
    await db.insert(servingEndpointConfigs).values({
      id: configId,
      endpointId,
      version: 1,
      servedEntities: [entity],
      routes: [{ servedEntityName: "iris-1", trafficPercentage: 100 }],
      createdByName: run,
    });
    await db.update(servingEndpoints).set({ activeConfigId: configId, logSampleRate: 1 }).where(eq(servingEndpoints.id, endpointId));
    await db
      .insert(servingReplicas)
      .values({ id: `${run}-r1`, endpointId, configId, servedEntity: "iris-1", modelVersion: 1, state: "ready", url: scoring.url });

    const databaseUrl = process.env.TEST_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_test";
    // The bench holds the leader lock so both portals stay followers: a leader's reconciler would retire the
    // replica row above, whose container is not a workload it started (lib/serving/reconcile.ts).
    leaderLock = openLeaderLockSession(databaseUrl, "atrium-bench-serving");
    if (!(await leaderLock.tryAcquire())) throw new Error("another portal leads this database; stop it or use another TEST_DATABASE_URL");
    const env = (port: number, log: boolean) => ({
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: "bench-serving-auth-secret-0123456789abcdef",
      ATRIUM_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ATRIUM_SERVING_REQUEST_LOG: String(log),
    });
    const [loggedPort, unloggedPort] = [PORT_BASE + 70, PORT_BASE + 71];
    // BENCH_PROFILE=<dir>: each portal writes its CPU profile there when it stops (as bench:tracking's portal does).
    const profile = (name: string) =>
      process.env.BENCH_PROFILE ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE, name)}`] } : {};
    portals.push(await startPortal("bench-serving-logged", loggedPort, env(loggedPort, true), profile("logged")));
    portals.push(await startPortal("bench-serving-unlogged", unloggedPort, env(unloggedPort, false), profile("unlogged")));
    const path = `/serving-endpoints/${run}/invocations`;
    const auth = { authorization: `Bearer ${token}` };
    const targets: Record<Mode, Target> = {
      direct: { url: `${scoring.url}/invocations`, headers: {} },
      logged: { url: `${portals[0]!.url}${path}`, headers: auth, pid: portals[0]!.pid },
      unlogged: { url: `${portals[1]!.url}${path}`, headers: auth, pid: portals[1]!.pid },
    };
    for (const mode of MODES) {
      const t = targets[mode];
      const res = await fetch(t.url, { method: "POST", headers: { ...t.headers, "content-type": "application/json" }, body: BODY });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('"predictions"'))
        throw new Error(`${LABEL[mode]} answered ${res.status}: ${text.slice(0, 300)}`);
    }

    console.log(
      `bench:serving — POST ${path} (a scikit-learn model, ${IRIS_ROWS.length} rows), ${ROUNDS} rounds × ${DURATION_MS / 1000} s`,
    );
    const figures = new Map<number, Record<Mode, ReturnType<typeof summary>>>();
    for (const conns of CONNECTIONS) {
      const results: Record<Mode, Measured[]> = { direct: [], logged: [], unlogged: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of order) results[mode].push(await measure(targets[mode], conns));
      }
      const row = { direct: summary(results.direct), logged: summary(results.logged), unlogged: summary(results.unlogged) };
      figures.set(conns, row);
      console.log(`\n${conns} client${conns === 1 ? "" : "s"}`);
      for (const mode of MODES) {
        const s = row[mode];
        const cpu = mode === "direct" ? "" : `   portal CPU ${s.cpuMsPerReq.toFixed(2)} ms/req`;
        console.log(
          `  ${LABEL[mode].padEnd(18)} ${s.rps.toFixed(0).padStart(6)} req/s   p50 ${ms(s.p50).padStart(8)}   p95 ${ms(s.p95).padStart(8)}   p99 ${ms(s.p99).padStart(8)}${cpu}${s.errors ? `   ${s.errors} errors` : ""}`,
        );
      }
      console.log(
        `  portal / direct: req/s ${(row.logged.rps / row.direct.rps).toFixed(2)} (log off ${(row.unlogged.rps / row.direct.rps).toFixed(2)}), added p50 ${ms(row.logged.p50 - row.direct.p50)} (log off ${ms(row.unlogged.p50 - row.direct.p50)}); log 100 % / off: req/s ${(row.logged.rps / row.unlogged.rps).toFixed(2)}`,
      );
    }
    const [logRows] = await db.select({ n: count() }).from(servingRequestLog).where(eq(servingRequestLog.endpointId, endpointId));
    console.log(`\nrequest log rows written for this run (the logging portal flushes each second): ${logRows?.n ?? 0}`);

    const least = figures.get(Math.min(...CONNECTIONS));
    const most = figures.get(Math.max(...CONNECTIONS));
    if (least && most) {
      console.log("\ntargets");
      for (const [conns, row] of figures) {
        console.log(
          verdict(
            row.logged.p50 - row.direct.p50 <= 1,
            `added p50 at ${conns} client(s): ${ms(row.logged.p50 - row.direct.p50)} (target ≤ 1 ms)`,
          ),
        );
        console.log(
          verdict(
            row.logged.rps >= 0.9 * row.direct.rps,
            `throughput at ${conns} client(s): ${(row.logged.rps / row.direct.rps).toFixed(2)} × direct (target ≥ 0.9)`,
          ),
        );
        console.log(
          verdict(
            row.logged.rps >= 0.9 * row.unlogged.rps,
            `request log at full sampling at ${conns} client(s): ${(row.logged.rps / row.unlogged.rps).toFixed(2)} × logging off (target ≥ 0.9)`,
          ),
        );
      }
      const errors = [...figures.values()].reduce((a, row) => a + MODES.reduce((b, m) => b + row[m].errors, 0), 0);
      console.log(verdict(errors === 0, `${errors} failed requests`));
    }
  } finally {
    for (const p of portals) await p.stop().catch(() => undefined);
    await scoring.remove();
    await leaderLock?.close();
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
