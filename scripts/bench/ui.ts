/**
 * npm run bench:ui — the pages people wait for, in Chromium (Debian's, launched as playwright.config.ts does),
 * against the production server started as `npm start` does (`npm run build` first), signed in through the
 * development sign-in like the e2e tests:
 *
 * - the runs page of an experiment with BENCH_RUNS_SEEDED (100,000) runs: until the first row is visible
 *   (issue 26's goal: ≤ 500 ms p50), and its server render alone (the HTML over HTTP with the same cookie);
 * - a run page whose metric has BENCH_POINTS (1,000,000) points: until its chart is drawn;
 * - /admin/users over BENCH_USERS (10,000) people: until the first row is visible;
 * - /admin/servers with BENCH_SERVERS (100) running servers: until the first row is visible (goal ≤ 200 ms p50).
 *
 * Rows are seeded by SQL. The servers are rows only (no containers): the bench holds the leader lock, so the
 * portal stays a follower and its reconciler leaves them as they are. In the same run, interleaved with the pages,
 * the runs page's column keys are read both ways over a direct connection: the DISTINCT over every run it did
 * before (three of them each view) and experiment_keys now (db/queries/experiment-keys.ts), for the ratio.
 *
 * Resets TEST_DATABASE_URL. BENCH_PORT (4460), BENCH_SAMPLES (40 a case after BENCH_WARMUP, 5, rounds).
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { chromium, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import playwrightConfig from "../../playwright.config";
import type { Db } from "../../db/client";
import { openLeaderLockSession } from "../../db/leader-lock";
import { insertUser, withNewIdentity } from "../../db/queries/users";
import { upsertServer } from "../../db/queries/servers";
import { users } from "../../db/schema";
import { serverRowFixture } from "../../db/server-fixture";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import { devSignIn } from "../../e2e/support/browser";
import { startPortal, type RunningPortal } from "../../e2e/support/portal";
import { seedRuns } from "./seed-runs";
import { median, ms, percentile, verdict } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS_SEEDED ?? 100_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 100);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4460);
const RUNS_PAGE_GOAL_MS = 500;
const ADMIN_SERVERS_GOAL_MS = 200;
/** Whom the experiments belong to (a person, not an admin: the runs page as most see it) and who reads the admin pages. */
const OWNER = "bench-ui";
const ADMIN = "admin";

interface Seeded {
  experimentId: number;
  chartRunId: string;
}

async function seed(db: Db): Promise<Seeded> {
  const owner = await insertUser(db, { name: OWNER, role: "user", roleSource: "admin" });
  if (!owner) throw new Error("could not create the bench user");
  const t0 = performance.now();
  const now = Date.now();
  const experiment = (name: string) =>
    db.execute(sql`INSERT INTO experiments (name, artifact_location, creation_time, last_update_time, owner, owner_id)
      VALUES (${name}, ${`mlflow-artifacts:/${name}`}, ${now}, ${now}, ${OWNER}, ${owner.id}) RETURNING id`);
  const idOf = (result: unknown) => {
    const rows = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as { id: number | string }[];
    return Number(rows[0]?.id);
  };
  const experimentId = idOf(await experiment("bench-ui-runs"));
  await seedRuns(db, String(experimentId), RUNS, owner.id);
  console.log(`seeded ${RUNS} runs in ${Math.round(performance.now() - t0)} ms`);

  const chartExperiment = idOf(await experiment("bench-ui-chart"));
  const chartRunId = "c".repeat(32);
  await db.execute(sql`INSERT INTO runs (run_uuid, experiment_id, name, user_id, owner_id, status, start_time, lifecycle_stage, artifact_uri)
    VALUES (${chartRunId}, ${chartExperiment}, 'million', ${OWNER}, ${owner.id}, 'FINISHED', ${now}, 'active', 'mlflow-artifacts:/bench/chart')`);
  await db.execute(sql`INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT ${chartRunId}, 'loss', 1.0 / (1 + g) + random() * 0.01, ${now}::bigint + g, g, false FROM generate_series(1, ${POINTS}) AS g`);
  await db.execute(sql`INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
    VALUES (${chartRunId}, 'loss', 0.001, ${now + POINTS}, ${POINTS}, false)`);
  await db.execute(sql`INSERT INTO experiment_keys (experiment_id, kind, key) VALUES (${chartExperiment}, 'metric', 'loss')`);
  console.log(`seeded a ${POINTS}-point metric by ${Math.round(performance.now() - t0)} ms`);

  for (let i = 0; i < USERS; i += 1000) {
    await db
      .insert(users)
      .values(
        Array.from({ length: Math.min(1000, USERS - i) }, (_, k) =>
          withNewIdentity({ name: `person-${String(i + k).padStart(5, "0")}`, role: "user", roleSource: "oidc" as const }),
        ),
      );
  }
  for (let i = 0; i < SERVERS; i++) {
    const name = `person-${String(Math.floor(i / 5)).padStart(5, "0")}`;
    await upsertServer(db, await serverRowFixture(db, name, `s${i % 5}`, { cpu: 0.5, memGb: 1, url: "http://127.0.0.1:9" }));
  }
  await db.execute(sql`ANALYZE`);
  console.log(`seeded ${USERS} people and ${SERVERS} running servers by ${Math.round(performance.now() - t0)} ms`);
  return { experimentId, chartRunId };
}

interface Case {
  label: string;
  goalMs?: number;
  measure(): Promise<number>;
}

/** Navigates and waits until `ready` is visible; the time from the navigation's start. */
async function timeToVisible(page: Page, url: string, ready: string): Promise<number> {
  const t0 = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator(ready).first().waitFor({ state: "visible", timeout: 60_000 });
  return performance.now() - t0;
}

/** The page's HTML over HTTP with the browser's cookies: what the server's render costs, without the browser. */
async function timeToHtml(context: BrowserContext, url: string): Promise<number> {
  const cookie = (await context.cookies(url)).map((c) => `${c.name}=${c.value}`).join("; ");
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return performance.now() - t0;
}

/** The column keys as the runs page read them before experiment_keys, and as it reads them now. */
function columnKeyReads(direct: postgres.Sql, experimentId: number): Case[] {
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const distinct = (table: string) =>
    direct.unsafe(
      `SELECT DISTINCT t.key FROM ${table} t JOIN runs r ON r.run_uuid = t.run_uuid
       WHERE r.experiment_id = $1 AND r.lifecycle_stage = 'active' ORDER BY t.key LIMIT 500`,
      [experimentId],
    );
  const kept = (kind: string) =>
    direct`SELECT key FROM experiment_keys WHERE experiment_id = ${experimentId} AND kind = ${kind} ORDER BY key LIMIT 500`;
  return [
    {
      label: "column keys, DISTINCT over runs (before)",
      measure: () => timed(() => Promise.all(["latest_metrics", "run_params", "run_tags"].map(distinct))),
    },
    { label: "column keys, experiment_keys (now)", measure: () => timed(() => Promise.all(["metric", "param", "tag"].map(kept))) },
  ];
}

const line = (label: string, xs: number[]) =>
  `${label.padEnd(44)} p50 ${ms(median(xs)).padStart(9)}  p95 ${ms(percentile(xs, 95)).padStart(9)}  p99 ${ms(percentile(xs, 99)).padStart(9)}`;

async function signedIn(browser: Browser, base: string, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: playwrightConfig.use?.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  await devSignIn(page, base, name);
  return { context, page };
}

async function main(): Promise<void> {
  console.log(
    `bench:ui — ${RUNS} runs, ${POINTS} points, ${USERS} people, ${SERVERS} servers; ${SAMPLES} samples a case after ${WARMUP} warm-up rounds, interleaved`,
  );
  const handle = await openTestDatabase("postgres"); // reset and migrated
  const direct = postgres(TEST_DATABASE_URL, { max: 3, onnotice: () => {} });
  const leaderLock = openLeaderLockSession(TEST_DATABASE_URL, "atrium-bench-ui");
  let portal: RunningPortal | undefined;
  let browser: Browser | undefined;
  try {
    const seeded = await seed(handle.db);
    // The portal stays a follower: a leader's reconciler would mark the container-less servers gone.
    if (!(await leaderLock.tryAcquire())) throw new Error("another portal leads this database; stop it or use another TEST_DATABASE_URL");
    portal = await startPortal("bench-ui", PORT, {
      DATABASE_URL: TEST_DATABASE_URL,
      AUTH_SECRET: "bench-ui-auth-secret-0123456789abcdef",
      ATRIUM_PUBLIC_URL: `http://127.0.0.1:${PORT}`,
      ATRIUM_ADMIN_USERS: ADMIN,
    });
    const base = portal.url;
    browser = await chromium.launch(playwrightConfig.use?.launchOptions);
    const person = await signedIn(browser, base, OWNER);
    const admin = await signedIn(browser, base, ADMIN);
    const runsUrl = `${base}/experiments/${seeded.experimentId}`;
    // What is timed is checked once: the newest seeded run is the first row, and the keys are the page's columns.
    await person.page.goto(runsUrl);
    await expect(person.page.getByTestId("run-name").first()).toHaveText(`run-${RUNS}`, { timeout: 60_000 });

    const cases: Case[] = [
      {
        label: `runs page, ${RUNS} runs: rows visible`,
        goalMs: RUNS_PAGE_GOAL_MS,
        measure: () => timeToVisible(person.page, runsUrl, '[data-testid="run-row"]'),
      },
      { label: "runs page: server render (HTML)", measure: () => timeToHtml(person.context, runsUrl) },
      {
        label: `run page, ${POINTS}-point metric: chart drawn`,
        measure: () => timeToVisible(person.page, `${base}/runs/${seeded.chartRunId}`, '[data-testid="chart-loss"] .recharts-line'),
      },
      {
        label: `/admin/users, ${USERS} people: rows visible`,
        measure: () => timeToVisible(admin.page, `${base}/admin/users`, 'tr[data-testid^="user-person-"]'),
      },
      {
        label: `/admin/servers, ${SERVERS} servers: rows visible`,
        goalMs: ADMIN_SERVERS_GOAL_MS,
        measure: () => timeToVisible(admin.page, `${base}/admin/servers`, 'tr[data-testid^="server-row-"]'),
      },
      ...columnKeyReads(direct, seeded.experimentId),
    ];
    const times = cases.map(() => [] as number[]);
    for (let round = 0; round < WARMUP + SAMPLES; round++) {
      for (const [i, c] of cases.entries()) {
        const t = await c.measure();
        if (round >= WARMUP) times[i]?.push(t);
      }
      if ((round + 1) % 5 === 0) console.log(`round ${round + 1} of ${WARMUP + SAMPLES}`);
    }

    console.log(
      `\nload average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${os.cpus().length} cores`,
    );
    cases.forEach((c, i) => console.log(line(c.label, times[i] ?? [])));
    const p50 = (i: number) => median(times[i] ?? []);
    const before = cases.findIndex((c) => c.label.includes("(before)"));
    const now = cases.findIndex((c) => c.label.includes("(now)"));
    console.log(`\ncolumn keys: experiment_keys is ${(p50(before) / p50(now)).toFixed(0)}× faster than the DISTINCTs at p50`);
    console.log(`runs page: server render is ${((p50(1) / p50(0)) * 100).toFixed(0)}% of rows visible at p50`);
    for (const [i, c] of cases.entries()) {
      if (c.goalMs === undefined) continue;
      const ok = p50(i) <= c.goalMs;
      console.log(verdict(ok, `${c.label}: p50 ${ms(p50(i))}, goal ≤ ${c.goalMs} ms (${(p50(i) / c.goalMs).toFixed(2)}× the goal)`));
    }
  } finally {
    await browser?.close();
    await portal?.stop();
    await leaderLock.close();
    await direct.end({ timeout: 1 });
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
