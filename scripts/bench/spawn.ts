/**
 * npm run bench:spawn — start→ready through Atrium's lifecycle (quota transaction, tracking token,
 * spawner, readiness poll, the row turning "running") against a raw `docker volume create` +
 * `docker run` → Jupyter answers, with the very same container (raw-docker.ts). One at a time, then
 * 20 at once (20 people, 20 fresh home volumes). Clean-up happens after each batch is measured, so
 * stopping one workspace never slows another's start.
 *
 * Prints p50/p95, where the time goes (before the engine creates the container, create→started,
 * started→ready), and the targets: ≤ 1.10 × raw at p50, 20/20 ready.
 *
 * BENCH_DB=postgres runs Atrium on TEST_DATABASE_URL (reset first) instead of in-memory PGlite.
 * BENCH_SERIAL (10), BENCH_PARALLEL (20), BENCH_ROUNDS (2: parallel batches alternate which side goes first).
 */
import { loadavg } from "node:os";
import type { DbHandle } from "../../db/client";
import { openTestDatabase } from "../../db/testing";
import { findUser } from "../../db/queries/users";
import type { Principal } from "../../lib/auth/principal";
import { DockerSpawner } from "../../lib/spawner";
import { TEST_IMAGE } from "../../lib/spawner/testing";
import { atriumStart, createBenchUser, createReadyWatcher } from "./atrium-start";
import { rawStart, type StartSample } from "./raw-docker";
import { median, ms, percentile, verdict } from "./stats";

const SERIAL = Number(process.env.BENCH_SERIAL ?? 10);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DB_KIND = process.env.BENCH_DB === "postgres" ? "postgres" : "pglite";
const TARGET_RATIO = 1.1;

const spawner = new DockerSpawner();
const docker = spawner.docker;
const run = Date.now().toString(36);

type Side = "atrium" | "raw";

/** CPU ms this process spent per start (Atrium's lifecycle and database run in it; raw only polls). */
const cpuMs: Record<Side, { total: number; n: number }> = { atrium: { total: 0, n: 0 }, raw: { total: 0, n: 0 } };

async function measured<T>(side: Side, n: number, fn: () => Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  try {
    return await fn();
  } finally {
    const used = process.cpuUsage(before);
    cpuMs[side].total += (used.user + used.system) / 1000;
    cpuMs[side].n += n;
  }
}

const perStart = (side: Side) => ms(cpuMs[side].total / Math.max(1, cpuMs[side].n));
const load = () => `load ${loadavg()[0]?.toFixed(1) ?? "?"}`;

function fulfilled(xs: PromiseSettledResult<StartSample>[]): StartSample[] {
  return xs.flatMap((x) => (x.status === "fulfilled" ? [x.value] : []));
}

function firstFailure(xs: PromiseSettledResult<StartSample>[]): string | undefined {
  const bad = xs.find((x): x is PromiseRejectedResult => x.status === "rejected");
  return bad ? String(bad.reason instanceof Error ? bad.reason.message : bad.reason) : undefined;
}

function report(label: string, atrium: StartSample[], raw: StartSample[]): number {
  const a = atrium.map((s) => s.ms);
  const r = raw.map((s) => s.ms);
  const ratio = median(a) / median(r);
  console.log(`\n${label}`);
  console.log(
    `  start→ready   atrium p50 ${ms(median(a))}  p95 ${ms(percentile(a, 95))}   raw p50 ${ms(median(r))}  p95 ${ms(percentile(r, 95))}`,
  );
  console.log(`  ratio         p50 ${ratio.toFixed(2)}  p95 ${(percentile(a, 95) / percentile(r, 95)).toFixed(2)}`);
  const seg = (xs: StartSample[], f: (s: StartSample) => number) => ms(median(xs.map(f)));
  const rows: [string, (s: StartSample) => number][] = [
    ["request→created", (s) => s.created - s.t0],
    ["created→started", (s) => s.started - s.created],
    ["started→ready", (s) => s.t0 + s.ms - s.started],
  ];
  for (const [name, f] of rows)
    console.log(`  ${name.padEnd(16)} atrium p50 ${seg(atrium, f).padStart(8)}   raw p50 ${seg(raw, f).padStart(8)}`);
  return ratio;
}

async function cleanupAll(samples: StartSample[]): Promise<void> {
  await Promise.all(samples.map((s) => s.cleanup()));
}

async function main() {
  if (!(await spawner.ping())) throw new Error("the Docker engine is not reachable (scripts/ensure-docker.sh)");
  if (!(await spawner.imageInfo(TEST_IMAGE)).present) throw new Error(`the image ${TEST_IMAGE} is absent (npm run image:workspace)`);
  const handle: DbHandle = await openTestDatabase(DB_KIND);
  const db = handle.db;
  const waitReady = createReadyWatcher(db);
  const people: Principal[] = [];
  let made = 0;
  const person = async () => {
    const p = await createBenchUser(db, `bench${run}u${made++}`);
    people.push(p);
    return p;
  };
  const start = (side: Side, p: Principal | undefined, i: number) =>
    side === "raw" || !p ? rawStart(docker, TEST_IMAGE, run, i) : atriumStart(db, spawner, waitReady, p);

  console.log(
    `bench:spawn — image ${TEST_IMAGE}, Atrium on ${DB_KIND === "postgres" ? "Postgres" : "PGlite (in memory)"}, ${SERIAL} one at a time, ${ROUNDS}×${PARALLEL} at once`,
  );
  try {
    // Warm the image's page cache, the JIT and the database before anything is measured.
    await cleanupAll([await rawStart(docker, TEST_IMAGE, run, -1), await atriumStart(db, spawner, waitReady, await person())]);

    const serial: Record<Side, StartSample[]> = { atrium: [], raw: [] };
    for (let i = 0; i < SERIAL; i++) {
      const r = await measured("raw", 1, () => rawStart(docker, TEST_IMAGE, run, i));
      await r.cleanup();
      const p = await person();
      const a = await measured("atrium", 1, () => atriumStart(db, spawner, waitReady, p));
      await a.cleanup();
      serial.raw.push(r);
      serial.atrium.push(a);
    }
    const serialRatio = report(`one at a time (n=${SERIAL})`, serial.atrium, serial.raw);
    console.log(`  portal-process CPU per start: atrium ${perStart("atrium")}, raw ${perStart("raw")} (bench polling only)`);
    for (const side of ["atrium", "raw"] as const) cpuMs[side] = { total: 0, n: 0 };

    const par: Record<Side, PromiseSettledResult<StartSample>[]> = { atrium: [], raw: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Side[] = round % 2 === 0 ? ["raw", "atrium"] : ["atrium", "raw"];
      for (const side of order) {
        const who = side === "atrium" ? await Promise.all(Array.from({ length: PARALLEL }, () => person())) : [];
        const loadBefore = load();
        const batch = await measured(side, PARALLEL, () =>
          Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) => start(side, who[i], 1000 * (round + 1) + i))),
        );
        await cleanupAll(fulfilled(batch));
        par[side].push(...batch);
        const ok = fulfilled(batch).map((x) => x.ms);
        console.log(`  round ${round + 1} ${side.padEnd(6)} p50 ${ms(median(ok))} (${loadBefore} before)`);
        const failure = firstFailure(batch);
        if (failure) console.warn(`  ${side}, round ${round + 1}: ${failure}`);
      }
      // Each round's two batches ran minutes apart at most: their ratio is the least disturbed by
      // whatever else the machine was doing, which the pooled p50 below is not.
      const last = (side: Side) => median(fulfilled(par[side].slice(-PARALLEL)).map((x) => x.ms));
      console.log(`  round ${round + 1} ratio p50 ${(last("atrium") / last("raw")).toFixed(2)}`);
    }
    const parRatio = report(
      `${PARALLEL} at once (${ROUNDS} rounds, n=${ROUNDS * PARALLEL} per side)`,
      fulfilled(par.atrium),
      fulfilled(par.raw),
    );
    console.log(`  portal-process CPU per start: atrium ${perStart("atrium")}, raw ${perStart("raw")} (bench polling only)`);
    const readyAtrium = fulfilled(par.atrium).length;
    const readyRaw = fulfilled(par.raw).length;

    console.log("\ntargets");
    console.log(verdict(serialRatio <= TARGET_RATIO, `one at a time: ${serialRatio.toFixed(2)} × raw at p50 (target ≤ ${TARGET_RATIO})`));
    console.log(verdict(parRatio <= TARGET_RATIO, `${PARALLEL} at once: ${parRatio.toFixed(2)} × raw at p50 (target ≤ ${TARGET_RATIO})`));
    console.log(
      verdict(
        readyAtrium === ROUNDS * PARALLEL,
        `${PARALLEL} at once ready: atrium ${readyAtrium}/${ROUNDS * PARALLEL}, raw ${readyRaw}/${ROUNDS * PARALLEL}`,
      ),
    );
  } finally {
    for (const p of people) {
      const home = (await findUser(handle.db, p.name))?.homeVolume;
      if (home) await spawner.removeVolume(home).catch(() => undefined);
    }
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
