/**
 * npm run bench:admin-servers — GET /api/admin/servers on the production server (`npm run build` first),
 * over HTTP with the bootstrap token, with BENCH_WORKSPACES (100) running workspaces whose containers are
 * real (they sleep: what is measured is the portal, not Jupyter). Issue 26's goal: ≤ 200 ms at 100.
 *
 * In the same run, interleaved after a warm-up: the plain-SQL baseline (the same rows read by one SELECT
 * over a direct connection), and once what each request cost before live use came from the usage
 * sampler's readings: one engine stats pass over every running container (lib/usage/sample-stats.ts).
 *
 * Resets TEST_DATABASE_URL. BENCH_PORT (4760), BENCH_RUNS (200), BENCH_CONCURRENCY (10).
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { upsertServer } from "../../db/queries/servers";
import { insertUser } from "../../db/queries/users";
import { serverRowFixture } from "../../db/server-fixture";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import { startPortal } from "../../e2e/support/portal";
import { DockerSpawner, legacyVolumeName } from "../../lib/spawner";
import { engineReadiness, specFactory, type TestSpec } from "../../lib/spawner/testing";
import { sampleLiveUse } from "../../lib/usage/sample-stats";
import { median, ms, percentile, verdict } from "./stats";

const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const PORT = Number(process.env.BENCH_PORT ?? 4760);
const PER_USER = 5;
const GOAL_MS = 200;
const TOKEN = "bench-admin-servers-bootstrap-token-0123456789";

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** `n` calls of `f`, `c` at a time; each call's time. */
async function series(n: number, c: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  let left = n;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (left-- > 0) out.push(await timed(f));
    }),
  );
  return out;
}

const line = (label: string, xs: number[]) =>
  `${label.padEnd(34)} p50 ${ms(median(xs)).padStart(9)}  p95 ${ms(percentile(xs, 95)).padStart(9)}  p99 ${ms(percentile(xs, 99)).padStart(9)}`;

async function main(): Promise<void> {
  const notReady = await engineReadiness();
  if (notReady) throw new Error(`bench:admin-servers needs the engine: ${notReady}`);
  console.log(`bench:admin-servers — ${WORKSPACES} running workspaces, ${RUNS} requests a case, c=1 and c=${CONCURRENCY}`);
  const spawner = new DockerSpawner();
  const { spec, refs, users } = specFactory();
  const handle = await openTestDatabase("postgres"); // reset and migrated
  const run = `b${Date.now().toString(36)}`;
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const t0 = performance.now();
    const specs: TestSpec[] = [];
    let ownerId: string | undefined;
    for (let i = 0; i < WORKSPACES; i++) {
      const user = `${run}u${Math.floor(i / PER_USER)}`;
      if (i % PER_USER === 0) ownerId = (await insertUser(handle.db, { name: user, role: "user", roleSource: "admin" }))?.id;
      const server = `s${i % PER_USER}`;
      specs.push(spec(user, server, { ownerId, command: ["sleep", "3600"], cpu: 0.1, memGb: 0.25 }));
      await upsertServer(handle.db, await serverRowFixture(handle.db, user, server, { cpu: 0.1, memGb: 0.25 }));
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < specs.length) {
          const s = specs[next++];
          if (s) await spawner.start(s);
        }
      }),
    );
    console.log(`${WORKSPACES} containers started and rows written in ${Math.round((performance.now() - t0) / 1000)} s`);
    await handle.close();

    portal = await startPortal("bench-admin-servers", PORT, {
      DATABASE_URL: TEST_DATABASE_URL,
      AUTH_SECRET: "bench-admin-servers-auth-secret-0123456789",
      ATRIUM_BOOTSTRAP_TOKEN: TOKEN,
      ATRIUM_PUBLIC_URL: `http://127.0.0.1:${PORT}`,
    });
    const get = async () => {
      const res = await fetch(`${portal?.url}/api/admin/servers`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (res.status !== 200) throw new Error(`GET /api/admin/servers answered ${res.status}`);
      return (await res.json()) as { used: unknown }[];
    };
    // The leader's first usage sample (at start) fills the readings the route serves.
    const t1 = performance.now();
    for (;;) {
      const rows = await get();
      if (rows.filter((r) => r.used !== null).length >= WORKSPACES) break;
      if (performance.now() - t1 > 180_000) throw new Error("the usage sampler's readings did not cover every workspace within 180 s");
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`readings of all ${WORKSPACES} after ${Math.round((performance.now() - t1) / 1000)} s`);
    const baseline = () => sql`select * from servers where status in ('pending', 'running', 'stopping') order by user_name, name`;
    await series(20, 2, get);
    await series(20, 2, baseline);
    const atrium1: number[] = [];
    const sql1: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      atrium1.push(await timed(get));
      sql1.push(await timed(baseline));
    }
    const atriumC = await series(RUNS, CONCURRENCY, get);
    const before = await timed(() => sampleLiveUse(spawner, refs));
    console.log(line("Atrium GET /api/admin/servers c=1", atrium1));
    console.log(line("plain SELECT of the rows c=1", sql1));
    console.log(line(`Atrium GET /api/admin/servers c=${CONCURRENCY}`, atriumC));
    console.log(`${"before: one engine stats pass".padEnd(34)} ${ms(before)} (what every request waited for)`);
    console.log(`ratio Atrium / plain SELECT at p50: ${(median(atrium1) / median(sql1)).toFixed(1)}×`);
    console.log(verdict(median(atrium1) <= GOAL_MS, `p50 ${ms(median(atrium1))} at ${WORKSPACES} workspaces (goal ≤ ${GOAL_MS} ms)`));
    console.log(verdict(percentile(atrium1, 99) <= GOAL_MS, `p99 ${ms(percentile(atrium1, 99))} (goal ≤ ${GOAL_MS} ms)`));
  } finally {
    await portal?.stop();
    await sql.end({ timeout: 2 });
    for (const ref of refs) await spawner.remove(ref).catch(() => undefined);
    for (const user of users) await spawner.removeVolume(legacyVolumeName(user)).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
