/**
 * Live use on the admin servers table comes from the usage sampler's readings, not from the engine per
 * request (issue 26: 6.1 s for 20 workspaces when every GET read each container's stats). Real parts: the
 * route handler with the bootstrap token, Postgres, the Docker engine with a workspace container and a job
 * execution's container; the engine wrapper's stats calls are counted (Engine.prototype.stats).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The route opens the process's database from DATABASE_URL and getConfig() reads the environment once:
// point both at this suite's Postgres before anything is imported (vi.hoisted runs first).
const { restoreEnv, BOOTSTRAP } = vi.hoisted(() => {
  const BOOTSTRAP = "bootstrap-token-for-admin-servers-live-0123";
  const values = {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_test",
    AUTH_SECRET: "auth-secret-for-admin-servers-live-0123456789",
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP,
  };
  const keys = [...Object.keys(values), "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "PORT", "ATRIUM_SPAWNER", "ATRIUM_USAGE_SAMPLE_S"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, values);
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { restoreEnv, BOOTSTRAP };
});

import { and, eq } from "drizzle-orm";
import { GET } from "@/app/api/admin/servers/route";
import { insertExecution, insertJob } from "@/db/queries/jobs";
import { upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { usageSamples } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { useTestDatabase } from "@/db/testing-hooks";
import type { AdminServerView } from "@/lib/admin/servers-table";
import { listActiveServers } from "@/lib/admin/servers-table";
import { executionRef } from "@/lib/jobs/workload";
import { closeDb, getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { DockerSpawner, legacyVolumeName } from "@/lib/spawner";
import { Engine } from "@/lib/spawner/engine";
import { engineReadiness, specFactory } from "@/lib/spawner/testing";
import { liveReadings } from "@/lib/usage/live-readings";
import { recordUsageSample } from "@/lib/usage/sample";
import { getServerStats } from "@/lib/workspaces/stats";
import { workspaceRef } from "@/lib/workspaces/workload";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[admin/servers-live.test] skipped: ${notReady}`);

const USER = `live${Date.now().toString(36)}`;
const { spec, jobSpec, users, refs } = specFactory();
const statsCalls = vi.spyOn(Engine.prototype, "stats");

type Route = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function adminServers(): Promise<AdminServerView[]> {
  const req = new Request("http://localhost:3000/api/admin/servers", { headers: { authorization: `Bearer ${BOOTSTRAP}` } });
  const res = await (GET as Route)(req, { params: Promise.resolve({}) });
  expect(res.status).toBe(200);
  return (await res.json()) as AdminServerView[];
}

describe.skipIf(notReady !== undefined && !CI)("live use on the admin servers table (real engine)", () => {
  useTestDatabase("postgres");
  const job = jobSpec(USER, "busy", ["sleep", "600"]);
  let ownerId = "";

  beforeAll(async () => {
    if (notReady) throw new Error(`Docker integration tests cannot run in CI: ${notReady}`);
    const db = await getDb();
    const owner = await insertUser(db, { name: USER, role: "user", roleSource: "default" });
    if (!owner) throw new Error("could not insert the owner");
    ownerId = owner.id;
    // Containers that only sleep: what is measured is the reading, not Jupyter.
    const workspace = spec(USER, "default", { ownerId: owner.id, command: ["sleep", "600"], cpu: 0.25, memGb: 0.25 });
    await Promise.all([getSpawner().start(workspace), getSpawner().start(job)]);
    await upsertServer(db, await serverRowFixture(db, USER, "default", { cpu: 0.25, memGb: 0.25 }));
    await insertJob(db, {
      id: "job_live",
      ownerName: USER,
      ownerId: owner.id,
      name: "busy",
      path: "busy.py",
      environmentId: "python",
      cpu: 0.5,
      memGb: 0.5,
      timeoutS: 600,
      trigger: "manual",
    });
    await insertExecution(db, {
      id: job.ref.id,
      jobId: "job_live",
      cause: "manual",
      scheduledFor: new Date(),
      cpu: 0.5,
      memGb: 0.5,
      runKey: "k1",
      state: "running",
    });
  }, 180_000);

  afterAll(async () => {
    for (const ref of refs)
      await getSpawner()
        .remove(ref)
        .catch(() => undefined);
    for (const user of users)
      await getSpawner()
        .removeVolume(legacyVolumeName(user))
        .catch(() => undefined);
    await closeDb();
    restoreEnv();
  }, 60_000);

  it("the sampler reads every running workload, a job execution too, and counts its use", async () => {
    statsCalls.mockClear();
    const spawner = getSpawner();
    await recordUsageSample(await getDb(), spawner);
    expect(statsCalls).toHaveBeenCalledTimes(2);
    const jobReading = liveReadings(spawner).of(executionRef(job.ref.id));
    const serverReading = liveReadings(spawner).of(workspaceRef({ user: USER, server: "default" }));
    expect(jobReading?.memBytes).toBeGreaterThan(0);
    expect(serverReading?.memBytes).toBeGreaterThan(0);
    // Her "used" is both readings: the running job's is no longer left out of the charts.
    const [row] = await (
      await getDb()
    )
      .select()
      .from(usageSamples)
      .where(and(eq(usageSamples.scope, "user"), eq(usageSamples.subject, ownerId)));
    const both = ((jobReading?.memBytes ?? 0) + (serverReading?.memBytes ?? 0)) / 1024 ** 3;
    expect(row?.memGbUsed).toBeCloseTo(both, 4);
  }, 60_000);

  it("GET /api/admin/servers answers from the sampler's readings, with no engine stats call per request", async () => {
    statsCalls.mockClear();
    for (let i = 0; i < 5; i++) {
      const [row] = (await adminServers()).filter((s) => s.user === USER);
      expect(row?.used?.memGb).toBeGreaterThan(0);
      expect(Date.parse(row?.used?.at ?? "")).toBeGreaterThan(0);
    }
    expect(statsCalls).not.toHaveBeenCalled();
  }, 60_000);

  it("a replica without readings (not the leader) refreshes them once in the background, whatever the views", async () => {
    const db = await getDb();
    const follower = new DockerSpawner();
    statsCalls.mockClear();
    const views = await Promise.all([1, 2, 3].map(() => listActiveServers(db, follower, { live: true })));
    // The first views do not wait for the engine: they show no reading yet.
    for (const view of views) expect(view.find((s) => s.user === USER)?.used).toBeNull();
    const ref = workspaceRef({ user: USER, server: "default" });
    await vi.waitFor(() => expect(liveReadings(follower).of(ref)).toBeDefined(), { timeout: 30_000, interval: 100 });
    expect(statsCalls).toHaveBeenCalledTimes(1);
    const after = await listActiveServers(db, follower, { live: true });
    expect(after.find((s) => s.user === USER)?.used?.memGb).toBeGreaterThan(0);
    expect(statsCalls).toHaveBeenCalledTimes(1);
  }, 60_000);

  it("a server's live meter: viewers at the same moment share one engine reading", async () => {
    const db = await getDb();
    const spawner = new DockerSpawner();
    statsCalls.mockClear();
    const answers = await Promise.all([1, 2, 3].map(() => getServerStats(db, spawner, USER, "default")));
    expect(new Set(answers.map((a) => a.memBytes)).size).toBe(1);
    expect(statsCalls).toHaveBeenCalledTimes(1);
  }, 60_000);
});
