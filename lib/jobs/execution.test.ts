/**
 * Job executions against the real engine, on both backends (a container; a replicated-job service
 * on the one-node swarm), with Postgres: a script that logs a metric through the MLflow variables
 * with plain urllib, a notebook with a parameters cell, a timeout, an out-of-memory kill, a failing
 * exit code, retries, a follower, a cancel, adoption by a new scheduler, and two schedulers racing
 * for one cron slot.
 */
import Dockerode from "dockerode";
import type { Server } from "node:http";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { findExecution, listExecutions, updateJob } from "@/db/queries/jobs";
import { findProject } from "@/db/queries/projects";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { findExperiment, findRun } from "@/db/queries/tracking";
import { insertUser } from "@/db/queries/users";
import { apiTokens, auditEvents, latestMetrics, runParams, runTags, users as usersTable } from "@/db/schema";
import { openTestDatabase, postgresAvailable } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";
import { engineReadiness, removeIdleNetworksOnceGone, swarmReadiness, SEEDED_IMAGE } from "@/lib/spawner/testing";
import { executionRef } from "./workload";
import { and, eq } from "drizzle-orm";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { peakRssGrowth } from "@/lib/util/rss-testing";
import { launchExecution, watchExecution, type JobDeps } from "./execute";
import { createProject } from "@/lib/projects/manage";
import { EXECUTED_NOTEBOOK } from "./command";
import { DEFAULT_JOB_LOG_MAX_BYTES, NOTEBOOK_LIMIT } from "./output-spool";
import { removeUser } from "@/lib/users/manage";
import { createJob, deleteJobOf } from "./manage";
import { cancelExecution, liveLogEvents, runJobNow } from "./run";
import { createJobsScheduler, decideDue } from "./scheduler";
import { createJobSchema } from "./schemas";
import { notebook, startTrackingEndpoint, writeHomeFiles } from "./testing";

const CI = Boolean(process.env.CI);
const run = Date.now().toString(36);
const docker = new Dockerode();

/**
 * The swarm's engine client here cannot reach a container: on a cluster the task may run on another
 * node, so status, log, out-of-memory reason and executed notebook must come through the manager
 * (tasks, service logs) and the runner's own upload, never from the task's container.
 */
function managerOnlyClient(): Dockerode {
  const refuse = () => {
    throw new Error("this test's swarm client has no access to containers (as for a task on another node)");
  };
  return Object.assign(new Dockerode(), {
    getContainer: refuse,
    listContainers: () => Promise.reject(new Error("no access to containers")),
  });
}

const backends = [
  { name: "docker", notReady: await engineReadiness(SEEDED_IMAGE), make: () => new DockerSpawner() as Spawner },
  {
    name: "swarm",
    notReady: await swarmReadiness(SEEDED_IMAGE),
    make: () => new SwarmSpawner({ docker: managerOnlyClient() }) as Spawner,
  },
];
for (const b of backends) if (b.notReady && !CI) console.warn(`[jobs/execution.test] ${b.name} skipped: ${b.notReady}`);

const SCRIPT = `
import json, os, sys, time, urllib.request
uri, token, run_id = os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_TRACKING_TOKEN"], os.environ["MLFLOW_RUN_ID"]
body = json.dumps({"run_id": run_id, "key": "score", "value": float(sys.argv[2]), "timestamp": int(time.time() * 1000)}).encode()
req = urllib.request.Request(uri + "/api/2.0/mlflow/runs/log-metric", data=body, method="POST",
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
print("logged", urllib.request.urlopen(req).status, "argv", sys.argv[1:], "workspace", os.environ.get("MLFLOW_WORKSPACE"), flush=True)
`;

describe.each(backends.filter((b) => b.notReady === undefined || CI))("job executions on $name (real engine, Postgres)", (backend) => {
  let handle: DbHandle | undefined;
  let tracking: { server: Server; url: string };
  let artifactsDir: string;
  let deps: JobDeps;
  const db = () => {
    if (!handle) throw new Error("database not open");
    return handle.db;
  };
  const volumes: string[] = [];
  /** The people this suite made (their objects are removed at the end). */
  const users: string[] = [];
  let owner: Principal;

  const job = async (over: Record<string, unknown>) =>
    createJob(
      db(),
      owner,
      createJobSchema.parse({ environment: "python", cpu: 0.5, memGb: 0.5, timeoutS: 120, trigger: { kind: "manual" }, ...over }),
    );

  /** Runs one queued execution to its end in this process, as the leader's loop would. */
  const runToEnd = async (executionId: string) => {
    await launchExecution(deps, executionId);
    await watchExecution(deps, executionId);
    const row = await findExecution(db(), executionId);
    if (!row) throw new Error("execution vanished");
    return row;
  };

  beforeAll(async () => {
    if (backend.notReady) throw new Error(`job tests on ${backend.name} cannot run in CI: ${backend.notReady}`);
    if (!(await postgresAvailable())) throw new Error("Postgres is required for the job execution tests");
    handle = await openTestDatabase("postgres");
    artifactsDir = await mkdtemp(join(tmpdir(), "atrium-jobs-"));
    const store = new LocalArtifactStore(artifactsDir);
    tracking = await startTrackingEndpoint(db, () => store);
    deps = {
      db: db(),
      spawner: backend.make(),
      store,
      pollMs: 250,
      spoolDir: `${artifactsDir}-spool`,
      env: (base) => ({ ...base, MLFLOW_TRACKING_URI: tracking.url }),
    };
    const name = `j${run}${backend.name[0]}`;
    const row = await insertUser(db(), { name, role: "user", roleSource: "admin" });
    if (!row) throw new Error("no user");
    volumes.push(row.homeVolume);
    users.push(name);
    owner = { name, userId: row.id, role: "user", admin: false, via: "session" };
    await writeHomeFiles(docker, SEEDED_IMAGE, row.homeVolume, {
      "jobs/score.py": SCRIPT,
      "jobs/fail.py": 'import sys\nprint("boom", file=sys.stderr)\nsys.exit(3)\n',
      "jobs/sleep.py": "import time\nprint('sleeping', flush=True)\ntime.sleep(300)\n",
      "jobs/hog.py": 'x = b"1" * (512 * 1024 * 1024)\nprint(len(x))\n',
      // Two files where the runner keeps the executed notebook: 24 MiB, and 40 MiB (past the notebook's cap).
      "jobs/bigfile.py":
        'import os\nos.makedirs("/tmp/atrium-job", exist_ok=True)\nblock = bytes(range(256)) * 4096\n' +
        'for name, mib in (("executed.ipynb", 24), ("big.bin", 40)):\n    with open("/tmp/atrium-job/" + name, "wb") as f:\n' +
        "        for _ in range(mib):\n            f.write(block)\n",
      "jobs/loud.py": 'import sys\nline = "z" * 1023 + "\\n"\nfor _ in range(300 * 1024):\n    sys.stdout.write(line)\nprint("the end")\n',
      "notebooks/live.ipynb": notebook([{ source: 'import time\nprint("first line", flush=True)\ntime.sleep(8)\nprint("second line")' }]),
      "notebooks/report.ipynb": notebook([
        { source: 'alpha = "1"\nlabel = "default"', tags: ["parameters"] },
        { source: 'print("alpha is", alpha, "label is", label)\nopen("report-out.txt", "w").write(alpha)' },
      ]),
    });
  }, 120_000);

  afterAll(async () => {
    tracking?.server.close();
    const spawner = deps?.spawner;
    if (spawner)
      for (const j of await spawner.list()) if (j.ref.kind === "job" && users.includes(j.ownerName ?? "")) await spawner.remove(j.ref);
    // The swarm client here cannot remove the tasks' exited containers (managerOnlyClient); this one can.
    for (const user of users)
      for (const c of await docker.listContainers({ all: true, filters: { label: [`atrium.user=${user}`] } }))
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
    await handle?.close();
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
    if (artifactsDir) await rm(`${artifactsDir}-spool`, { recursive: true, force: true });
    // Swarm removes a job's task containers a moment after its service; the volume waits for them.
    for (const v of volumes) {
      for (let i = 0; i < 120; i++) {
        const gone = await docker
          .getVolume(v)
          .remove({ force: true })
          .then(
            () => true,
            (err: { statusCode?: number }) => err.statusCode === 404,
          );
        if (gone) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    if (backend.name === "swarm") await removeIdleNetworksOnceGone(new SwarmSpawner(), (user) => users.includes(user));
  }, 90_000);

  it("runs a script that logs a metric through the MLflow variables; the run has params, tags, status, duration and the log", async () => {
    // In a project: the execution finds it as MLFLOW_WORKSPACE, and its experiment lives there.
    const project = `${owner.name}-team`;
    await createProject(db(), owner, { name: project, description: "" });
    const member = { ...owner, projectRoles: (await membershipsOf(db(), owner.userId ?? "", [])).projectRoles };
    const j = await createJob(
      db(),
      member,
      createJobSchema.parse({
        name: "score",
        path: "jobs/score.py",
        parameters: { alpha: "0.75" },
        environment: "python",
        cpu: 0.5,
        memGb: 0.5,
        timeoutS: 120,
        trigger: { kind: "manual" },
        project,
      }),
    );
    const queued = await runJobNow(db(), member, j.id);
    const done = await runToEnd(queued.id);
    expect(done.state, done.reason ?? "").toBe("succeeded");
    expect(done.exitCode).toBe(0);
    expect(done.mlflowRunId).toMatch(/^[0-9a-f]{32}$/);
    const runId = done.mlflowRunId ?? "";
    const runRow = await findRun(db(), runId);
    expect(runRow?.status).toBe("FINISHED");
    expect(runRow?.endTime).toBeGreaterThan(0);
    const metrics = await db().select().from(latestMetrics).where(eq(latestMetrics.runUuid, runId));
    expect(Object.fromEntries(metrics.map((m) => [m.key, m.value]))).toMatchObject({ score: 0.75 });
    expect(metrics.find((m) => m.key === "duration_s")?.value).toBeGreaterThan(0);
    const params = await db().select().from(runParams).where(eq(runParams.runUuid, runId));
    expect(params.map((p) => [p.key, p.value])).toEqual([["alpha", "0.75"]]);
    const tags = Object.fromEntries((await db().select().from(runTags).where(eq(runTags.runUuid, runId))).map((t) => [t.key, t.value]));
    expect(tags["atrium.job"]).toBe(j.id);
    expect(tags["atrium.environment"]).toBe("python");
    expect(tags["atrium.image_id"]).toMatch(/^sha256:/);
    const log = await deps.store.open(`${runRow?.experimentId}/${runId}/artifacts/job.log`);
    expect(await new Response(log?.stream).text()).toContain(`logged 200 argv ['--alpha', '0.75'] workspace ${project}`);
    expect((await findExperiment(db(), runRow?.experimentId ?? -1))?.projectId).toBe((await findProject(db(), project))?.id);
    // Its token is named by the execution row, not by a token.create audit line per run.
    const tokenAudits = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "token.create"), eq(auditEvents.target, owner.name)));
    expect(tokenAudits.filter((a) => a.detail.id === done.tokenId)).toEqual([]);
    // The execution's token was revoked and its object removed.
    expect(
      await db()
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.id, done.tokenId ?? "")),
    ).toEqual([]);
    expect((await deps.spawner.status(executionRef(done.id))).state).toBe("missing");
  }, 120_000);

  it("runs a notebook headless with the parameters in a new cell after the tagged one, and keeps the executed notebook", async () => {
    const j = await job({ name: "report", path: "notebooks/report.ipynb", parameters: { alpha: "7" } });
    const done = await runToEnd((await runJobNow(db(), owner, j.id)).id);
    expect(done.state, done.reason ?? "").toBe("succeeded");
    const runRow = await findRun(db(), done.mlflowRunId ?? "");
    const file = await deps.store.open(`${runRow?.experimentId}/${done.mlflowRunId}/artifacts/report.ipynb`);
    const executed = JSON.parse(await new Response(file?.stream).text()) as {
      cells: Array<{ source: string | string[]; metadata: { tags?: string[] }; outputs: Array<{ text?: string | string[] }> }>;
    };
    const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));
    expect(executed.cells.map((c) => c.metadata.tags ?? [])).toEqual([["parameters"], ["injected-parameters"], []]);
    expect(text(executed.cells[1]?.source)).toBe('# Parameters\nalpha = "7"\n');
    expect(text(executed.cells[2]?.outputs[0]?.text)).toBe("alpha is 7 label is default\n");
    const log = await deps.store.open(`${runRow?.experimentId}/${done.mlflowRunId}/artifacts/job.log`);
    expect(await new Response(log?.stream).text()).toContain("alpha is 7 label is default");
  }, 180_000);

  it("streams a running notebook's output to the live log as the cell prints, before the execution ends", async () => {
    const j = await job({ name: "live", path: "notebooks/live.ipynb" });
    const queued = await runJobNow(db(), owner, j.id);
    expect(await launchExecution(deps, queued.id)).toBe(true);
    const watching = watchExecution(deps, queued.id);
    const at: Record<string, number> = {};
    let objectAtFirst: string | undefined;
    let end: { state: string; reason: string | null } | undefined;
    for await (const event of liveLogEvents(deps, owner, j.id, queued.id, new AbortController().signal)) {
      if (!("line" in event)) end = event;
      else if (event.line === "first line" || event.line === "second line") {
        at[event.line] = Date.now();
        if (event.line === "first line") objectAtFirst = (await deps.spawner.status(executionRef(queued.id))).state;
      }
    }
    await watching;
    // The cell sleeps 8 s between its two prints: the first one came while it slept, not with the second.
    expect(objectAtFirst).toBe("running");
    expect((at["second line"] ?? 0) - (at["first line"] ?? Infinity)).toBeGreaterThan(5000);
    expect(end).toEqual({ state: "succeeded", reason: "exited with code 0" });
  }, 120_000);

  it("keeps the log of a job that prints 300 MB up to the cap, with the truncation line, after its token and object are gone", async () => {
    const j = await job({ name: "loud", path: "jobs/loud.py" });
    const queued = await runJobNow(db(), owner, j.id);
    // What was true when the log was stored: the token revoked and the object removed first.
    const atUpload: Array<{ tokens: number; object: string }> = [];
    const store: ArtifactStore = Object.create(deps.store) as ArtifactStore;
    store.stage = async (key, data) => {
      if (key.endsWith("/job.log")) {
        const tokenId = (await findExecution(db(), queued.id))?.tokenId ?? "";
        const tokens = (await db().select().from(apiTokens).where(eq(apiTokens.id, tokenId))).length;
        atUpload.push({ tokens, object: (await deps.spawner.status(executionRef(queued.id))).state });
      }
      return deps.store.stage(key, data);
    };
    const {
      result: done,
      growth,
      samples,
    } = await peakRssGrowth(async () => {
      await launchExecution({ ...deps, store }, queued.id);
      await watchExecution({ ...deps, store }, queued.id);
      return findExecution(db(), queued.id);
    });
    expect(done?.state, done?.reason ?? "").toBe("succeeded");
    expect(atUpload).toEqual([{ tokens: 0, object: "missing" }]);
    const runRow = await findRun(db(), done?.mlflowRunId ?? "");
    const key = `${runRow?.experimentId}/${done?.mlflowRunId}/artifacts/job.log`;
    const size = await deps.store.sizeOf(key);
    const marker = "[atrium] log truncated at 64 MiB\n";
    expect(size).toBeGreaterThan(DEFAULT_JOB_LOG_MAX_BYTES - 1024 * 1024);
    expect(size).toBeLessThanOrEqual(DEFAULT_JOB_LOG_MAX_BYTES + marker.length);
    // The start and the end of the stored log, read as a stream (never the whole file).
    const file = await deps.store.open(key);
    const reader = file?.stream.getReader();
    const head = Buffer.from((await reader?.read())?.value ?? new Uint8Array()).toString();
    let tail = Buffer.alloc(0);
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read())
      tail = Buffer.concat([tail, Buffer.from(chunk.value)]).subarray(-4096);
    expect(head.startsWith(`${"z".repeat(1023)}\n`)).toBe(true);
    expect(tail.toString().endsWith(marker)).toBe(true);
    // The portal's memory: before the bounded reader, the whole log was held as lines and a buffer (over 1 GB).
    expect(growth).toBeLessThan(50 * 1024 * 1024);
    expect(samples).toBeGreaterThan(0);
  }, 240_000);

  // Only a container's filesystem can be copied from; a swarm task may be on another node (the runner uploads instead).
  if (backend.name === "docker")
    it("copies a file out of an ended execution as a stream: 24 MiB cost the portal less than reading it whole, and past the cap it says so", async () => {
      const MIB = 1024 * 1024;
      const j = await job({ name: "bigfile", path: "jobs/bigfile.py" });
      const queued = await runJobNow(db(), owner, j.id);
      expect(await launchExecution(deps, queued.id)).toBe(true);
      await expect
        .poll(async () => (await deps.spawner.status(executionRef(queued.id))).state, { timeout: 120_000, interval: 500 })
        .toBe("succeeded");
      const dir = await mkdtemp(join(tmpdir(), "atrium-jobfile-"));
      try {
        const dest = join(dir, "executed.ipynb");
        // Before, the tar was read whole and copied once more: more than twice the file's size.
        const { result: size, growth } = await peakRssGrowth(() =>
          deps.spawner.file(executionRef(queued.id), EXECUTED_NOTEBOOK, NOTEBOOK_LIMIT, dest),
        );
        expect(size).toBe(24 * MIB);
        const copied = await readFile(dest);
        expect(copied.length).toBe(24 * MIB);
        expect(copied.subarray(-256)).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
        // Chunks already written stay in RSS until V8 collects them (measured 22–31 MiB on a busy machine), so the
        // bound is what a whole-file read would exceed, not a chunk's size.
        expect(growth).toBeLessThan(40 * MIB);
        await expect(
          deps.spawner.file(executionRef(queued.id), "/tmp/atrium-job/big.bin", NOTEBOOK_LIMIT, join(dir, "big.bin")),
        ).rejects.toThrow("The executed notebook is larger than 32 MiB; it was not kept.");
        expect(await deps.spawner.file(executionRef(queued.id), "/tmp/atrium-job/none", NOTEBOOK_LIMIT, join(dir, "none"))).toBeUndefined();
        expect((await readdir(dir)).sort()).toEqual(["big.bin", "executed.ipynb"]);
      } finally {
        await rm(dir, { recursive: true, force: true });
        await watchExecution(deps, queued.id);
      }
    }, 180_000);

  it("records a failing exit code with its last line, and retries as many times as the job says", async () => {
    const j = await job({ name: "fails", path: "jobs/fail.py", retries: 1 });
    const first = await runToEnd((await runJobNow(db(), owner, j.id)).id);
    expect(first).toMatchObject({ state: "failed", exitCode: 3, reason: "exited with code 3: boom" });
    expect((await findRun(db(), first.mlflowRunId ?? ""))?.status).toBe("FAILED");
    const retry = (await listExecutions(db(), j.id)).find((e) => e.attempt === 2);
    expect(retry).toMatchObject({ cause: "retry", state: "queued", runKey: `${first.runKey}#2` });
    const second = await runToEnd(retry?.id ?? "");
    expect(second.state).toBe("failed");
    // No third attempt: one retry was asked for.
    expect(await listExecutions(db(), j.id)).toHaveLength(2);
  }, 120_000);

  it("kills an execution at its timeout and says so", async () => {
    const j = await job({ name: "sleeps", path: "jobs/sleep.py" });
    await updateJob(db(), j.id, { timeoutS: 3 });
    const t0 = Date.now();
    const done = await runToEnd((await runJobNow(db(), owner, j.id)).id);
    expect(done).toMatchObject({ state: "timed_out", reason: "timed out after 3 s" });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await deps.spawner.status(executionRef(done.id))).state).toBe("missing");
  }, 60_000);

  it("records an out-of-memory kill with the limit", async () => {
    const j = await job({ name: "hog", path: "jobs/hog.py", memGb: 0.125 });
    const done = await runToEnd((await runJobNow(db(), owner, j.id)).id);
    expect(done.state).toBe("failed");
    expect(done.reason).toBe("out of memory (limit 128 MiB)");
  }, 60_000);

  it("cancels a running execution, naming who did", async () => {
    const j = await job({ name: "cancelled", path: "jobs/sleep.py" });
    const queued = await runJobNow(db(), owner, j.id);
    await launchExecution(deps, queued.id);
    const watching = watchExecution(deps, queued.id);
    const cancelled = await cancelExecution(deps, owner, j.id, queued.id);
    await watching;
    expect(cancelled).toMatchObject({ state: "cancelled", reason: `cancelled by ${owner.name}` });
    expect((await findRun(db(), cancelled.mlflowRunId ?? ""))?.status).toBe("KILLED");
  }, 60_000);

  it("deleting a job stops its running execution first, which would otherwise outlive its row", async () => {
    const j = await job({ name: "deleted", path: "jobs/sleep.py" });
    const queued = await runJobNow(db(), owner, j.id);
    expect(await launchExecution(deps, queued.id)).toBe(true);
    await deleteJobOf(deps, owner, j.id);
    expect((await deps.spawner.status(executionRef(queued.id))).state).toBe("missing");
    const entries = await db()
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.target, `${owner.name}/deleted`));
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(["job.cancel", "job.delete"]));
  }, 60_000);

  it("holds an execution that does not fit beside a running one as queued with its reason, and starts it once the room is there", async () => {
    await db()
      .update(usersTable)
      .set({ limits: { maxTotalCpu: 1 } })
      .where(eq(usersTable.name, owner.name));
    try {
      const big = await job({ name: "holds-cpu", path: "jobs/sleep.py", cpu: 0.75 });
      const small = await job({ name: "waits", path: "jobs/score.py", cpu: 0.5, parameters: { alpha: "0.5" } });
      const holding = await runJobNow(db(), owner, big.id);
      expect(await launchExecution(deps, holding.id)).toBe(true);
      const queued = await runJobNow(db(), owner, small.id);
      const reason = "waiting for quota: 0.75 CPUs of the 1 role 'user' allows are in use, this job needs 0.5";
      expect(queued).toMatchObject({ state: "queued", reason });
      expect(await launchExecution(deps, queued.id)).toBe(false);
      expect(await findExecution(db(), queued.id)).toMatchObject({ state: "queued", reason });
      expect((await deps.spawner.status(executionRef(queued.id))).state).toBe("missing");
      await cancelExecution(deps, owner, big.id, holding.id);
      const done = await runToEnd(queued.id);
      expect(done).toMatchObject({ state: "succeeded", reason: "exited with code 0" });
    } finally {
      await db().update(usersTable).set({ limits: {} }).where(eq(usersTable.name, owner.name));
    }
  }, 120_000);

  it("deleting a person cancels her running and queued executions, removes the object and records why", async () => {
    const name = `gone${run}${backend.name[0]}`;
    const row = await insertUser(db(), { name, role: "user", roleSource: "admin" });
    if (!row) throw new Error("no user");
    volumes.push(row.homeVolume);
    users.push(name);
    await writeHomeFiles(docker, SEEDED_IMAGE, row.homeVolume, {
      "sleep.py": "import time\nprint('sleeping', flush=True)\ntime.sleep(300)\n",
    });
    const gone: Principal = { name, userId: row.id, role: "user", admin: false, via: "session" };
    const spec = { environment: "python", cpu: 0.5, memGb: 0.25, timeoutS: 600, trigger: { kind: "manual" }, path: "sleep.py" };
    const j = await createJob(db(), gone, createJobSchema.parse({ ...spec, name: "long" }));
    const running = await runJobNow(db(), gone, j.id);
    expect(await launchExecution(deps, running.id)).toBe(true);
    const runId = (await findExecution(db(), running.id))?.mlflowRunId ?? "";
    const queued = await runJobNow(db(), gone, j.id);
    const admin: Principal = { name: "root", role: "admin", admin: true, via: "session" };
    const removed = await removeUser(db(), deps.spawner, admin, name, { volume: "keep", store: deps.store });
    expect(removed.executions).toEqual([running.id, queued.id]);
    expect((await deps.spawner.status(executionRef(running.id))).state).toBe("missing");
    const reason = "cancelled: the owner was deleted by root";
    const entries = await db()
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.target, `${name}/long`))
      // In the order they were written; without it Postgres returns the rows in whatever order its pages hold them.
      .orderBy(auditEvents.id);
    expect(entries.filter((e) => e.action === "job.cancel").map((e) => e.detail)).toEqual([
      { id: j.id, execution: running.id, reason },
      { id: j.id, execution: queued.id, reason },
    ]);
    // The rows went with her jobs; her MLflow run stays, closed as killed with the reason.
    expect(await findExecution(db(), running.id)).toBeUndefined();
    expect((await findRun(db(), runId))?.status).toBe("KILLED");
    const tags = await db().select().from(runTags).where(eq(runTags.runUuid, runId));
    expect(tags.find((t) => t.key === "atrium.reason")?.value).toBe(reason);
  }, 120_000);

  it("starts a follower when the job it follows succeeds", async () => {
    const first = await job({ name: "first", path: "jobs/score.py", parameters: { alpha: "1" } });
    const next = await job({
      name: "second",
      path: "jobs/score.py",
      parameters: { alpha: "2" },
      trigger: { kind: "after", jobId: first.id },
    });
    const done = await runToEnd((await runJobNow(db(), owner, first.id)).id);
    expect(done.state).toBe("succeeded");
    const follower = await listExecutions(db(), next.id);
    expect(follower).toMatchObject([{ cause: "after", state: "queued", runKey: `${next.id}@after:${done.id}` }]);
  }, 120_000);

  it("two schedulers deciding the same due minute start it once; a new scheduler adopts what is running", async () => {
    const j = await job({ name: "cron", path: "jobs/sleep.py", trigger: { kind: "cron", cron: "* * * * *", timeZone: "UTC" } });
    // As if the previous leader died three minutes ago: the missed minutes run once, not three times.
    await updateJob(db(), j.id, { scheduledThrough: new Date(Date.now() - 3 * 60_000), timeoutS: 600 });
    const a = createJobsScheduler(deps);
    const b = createJobsScheduler({ ...deps, spawner: backend.make() });
    await Promise.all([a.tick(), b.tick(), decideDue(db())]);
    const execs = await listExecutions(db(), j.id);
    expect(execs).toHaveLength(1);
    expect(execs[0]?.state).toBe("running");
    const id = execs[0]?.id ?? "";
    const objects = (await deps.spawner.list()).filter((x) => x.ref.kind === "job" && x.ref.id === id);
    expect(objects).toHaveLength(1);
    // The first leader goes away; a new one adopts the running execution rather than starting another.
    a.stop();
    b.stop();
    const c = createJobsScheduler(deps);
    await c.tick();
    expect(c.watching().has(id)).toBe(true);
    expect(await listExecutions(db(), j.id)).toHaveLength(1);
    await cancelExecution(deps, owner, j.id, id);
    for (let i = 0; i < 40 && c.watching().size > 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(c.watching().size).toBe(0);
    c.stop();
    await updateJob(db(), j.id, { paused: true });
  }, 120_000);
});
