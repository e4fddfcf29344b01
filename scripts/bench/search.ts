/**
 * npm run bench:search — runs/search with ATRIUM_DEFAULT_PERMISSION=NONE (set by the npm script), on Postgres
 * (TEST_DATABASE_URL, reset first), in process through handleTrackingRequest: BENCH_RUNS (100,000) runs in a
 * project's experiment, the search of bench:tracking (metric and param filter, sorted by the metric, first page of
 * 100) asked BENCH_REPEAT (15) times by an admin (no read filter), a viewer of the project (the SQL filter by her
 * project ids, docs/projects.md), a person granted READ on the experiment alone (the filter by her grants) and a
 * person who may read nothing (the filter leaves no row: an empty page) → p50 of each; target ≤ 100 ms for the
 * filtered ones, as for the unfiltered search, and the empty page at most NOBODY_SLACK × the unfiltered p50: the
 * filter must find "nothing" by its indexes, not by reading the runs.
 */
import type { Db } from "../../db/client";
import { findUser, insertUser, type UserRow } from "../../db/queries/users";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import { getConfig } from "../../lib/config";
import { personPrincipal, type Principal } from "../../lib/auth/principal";
import { addMember, createProject } from "../../lib/projects/manage";
import { handleTrackingRequest } from "../../lib/tracking/http/dispatch";
import { searchQuery, seedRuns } from "./seed-runs";
import { median, ms, percentile, verdict } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);
const TARGET_SEARCH_MS = 100;
/** "Just as fast" as the unfiltered search, with room for the noise of a shared machine. */
const NOBODY_SLACK = 1.2;

async function call(
  db: Db,
  who: Principal,
  method: "GET" | "POST",
  path: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const init = { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(payload) };
  const res = await handleTrackingRequest(
    new Request(`http://atrium.bench/api/2.0/mlflow/${path}`, init),
    { db, principal: who },
    path.split("/"),
  );
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function person(db: Db, name: string, role = "user"): Promise<Principal> {
  if (!(await findUser(db, name))) await insertUser(db, { name, role, roleSource: "default" });
  return personPrincipal(db, (await findUser(db, name)) as UserRow, "token");
}

/** p50 and p95 of the search as `who` asks it, after a warm-up; it must answer a full page (or, `page` 0, an empty one). */
async function timedSearch(db: Db, who: Principal, experimentId: string, page = 100): Promise<{ p50: number; p95: number }> {
  const ask = async () => {
    const body = await call(db, who, "POST", "runs/search", searchQuery(experimentId));
    const n = ((body.runs as unknown[] | undefined) ?? []).length;
    if (n !== page) throw new Error(`runs/search for ${who.name} returned ${n} runs, expected a page of ${page}`);
  };
  await ask();
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await ask();
    times.push(performance.now() - t);
  }
  return { p50: median(times), p95: percentile(times, 95) };
}

async function main(): Promise<void> {
  if (getConfig().defaultPermission !== "NONE") throw new Error("run it as `npm run bench:search` (ATRIUM_DEFAULT_PERMISSION=NONE)");
  console.log(`bench:search on ${TEST_DATABASE_URL.replace(/\/\/[^@]*@/, "//")} (reset first), ATRIUM_DEFAULT_PERMISSION=NONE`);
  const handle = await openTestDatabase("postgres");
  const db = handle.db;
  try {
    const owner = await person(db, "bench-owner");
    await createProject(db, owner, { name: "bench", description: "" });
    await addMember(db, await person(db, "bench-owner"), "bench", { name: (await person(db, "bench-viewer")).name, role: "viewer" });
    const made = await call(
      db,
      await person(db, "bench-owner"),
      "POST",
      "experiments/create",
      { name: "bench-search" },
      { "x-mlflow-workspace": "bench" },
    );
    const exp = String(made.experiment_id);
    await person(db, "bench-grantee");
    await call(db, await person(db, "bench-owner"), "POST", "experiments/permissions/create", {
      experiment_id: exp,
      username: "bench-grantee",
      permission: "READ",
    });
    const seconds = await seedRuns(db, exp, RUNS, owner.userId ?? null);
    console.log(`search: seeded ${RUNS.toLocaleString("en")} runs × 3 metrics + 1 param in ${seconds.toFixed(1)} s`);

    const admin: Principal = { name: "bench-admin", role: "admin", admin: true, via: "token" };
    const unfiltered = await timedSearch(db, admin, exp);
    const member = await timedSearch(db, await person(db, "bench-viewer"), exp);
    const grantee = await timedSearch(db, await person(db, "bench-grantee"), exp);
    const nobody = await timedSearch(db, await person(db, "bench-nobody"), exp, 0);
    for (const [who, t] of [
      ["admin (no filter)", unfiltered],
      ["project viewer", member],
      ["READ grantee", grantee],
      ["a person who may read nothing", nobody],
    ] as const)
      console.log(`search as ${who}: p50 ${ms(t.p50)}, p95 ${ms(t.p95)}`);
    console.log("");
    for (const [who, t] of [
      ["a project viewer", member],
      ["a READ grantee", grantee],
    ] as const)
      console.log(
        verdict(
          t.p50 <= TARGET_SEARCH_MS,
          `runs/search over ${RUNS.toLocaleString("en")} runs under NONE as ${who}, first page p50 ${ms(t.p50)} (target ≤ ${TARGET_SEARCH_MS} ms, ${(t.p50 / unfiltered.p50).toFixed(2)}× the unfiltered ${ms(unfiltered.p50)} in the same run)`,
        ),
      );
    console.log(
      verdict(
        nobody.p50 <= NOBODY_SLACK * unfiltered.p50,
        `runs/search over ${RUNS.toLocaleString("en")} runs under NONE as a caller who may read nothing: an empty page, p50 ${ms(nobody.p50)} (target ≤ ${NOBODY_SLACK}× the unfiltered ${ms(unfiltered.p50)}: ${(nobody.p50 / unfiltered.p50).toFixed(2)}×)`,
      ),
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
