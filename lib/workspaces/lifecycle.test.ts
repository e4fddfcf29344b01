/**
 * The workspace lifecycle against the real Docker engine and image, on an in-memory PGlite database:
 * quota under concurrency, readiness, limits, volumes, OOM, spawn timeout, reconcile, engine down.
 * The same tests run on both backends: docker (containers) and swarm (services on a one-node swarm).
 */
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.ATRIUM_SPAWN_TIMEOUT_S = "20";
});

import type { DbHandle } from "@/db/client";
import { findEnvironment, insertEnvironment, updateEnvironment } from "@/db/queries/environments";
import { findServer, updateServer } from "@/db/queries/servers";
import { insertDeletedUser } from "@/db/queries/deleted-users";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { deleteUser, findUser, insertUser, updateUser } from "@/db/queries/users";
import { auditEvents } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { createProject } from "@/lib/projects/manage";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";
import { engineReadiness, removeIdleNetworksOnceGone, swarmReadiness, TEST_IMAGE } from "@/lib/spawner/testing";
import { workspaceRef } from "./workload";
import { removeUser } from "@/lib/users/manage";
import { progressEvents } from "./progress";
import { reconcileWorkloads } from "@/lib/workloads/reconcile";
import { reconcileServer } from "./reconcile";
import { startServer } from "./start";
import { getServerStats } from "./stats";
import { stopServer } from "./stop";
import { resolveWorkspaceTarget } from "./target";

const CI = Boolean(process.env.CI);
const run = Date.now().toString(36);

/** What differs between backends: how to make one, and where a server's engine objects are. */
interface Backend {
  name: "docker" | "swarm";
  notReady: string | undefined;
  spawner: Spawner;
  /** A spawner whose engine cannot be reached. */
  dead: () => Spawner;
  /** What the backend keeps for a user's servers: containers (docker) or services (swarm). */
  workloadsOf: (user: string) => Promise<unknown[]>;
  /** The swarm has no swap limit (MemorySwap stays the engine's default). */
  swapLimited: boolean;
  cleanUp: () => Promise<void>;
}

const docker = new Dockerode();

function principal(name: string, role = "user"): Principal {
  return { name, role, admin: role === "admin", via: "token" };
}
const deadEngine = () => new Dockerode({ socketPath: "/tmp/atrium-no-engine.sock" });
const containersOf = (user: string) => docker.listContainers({ all: true, filters: { label: [`atrium.user=${user}`] } });
/** The running container of a user's (only) server, whichever backend made it. */
const runningContainerOf = async (user: string) => (await docker.listContainers({ filters: { label: [`atrium.user=${user}`] } }))[0];

const backends: Backend[] = [
  {
    name: "docker",
    notReady: await engineReadiness(),
    spawner: new DockerSpawner(),
    dead: () => new DockerSpawner({ docker: deadEngine() }),
    workloadsOf: containersOf,
    swapLimited: true,
    cleanUp: async () => undefined,
  },
  {
    name: "swarm",
    notReady: await swarmReadiness(),
    spawner: new SwarmSpawner(),
    dead: () => new SwarmSpawner({ docker: deadEngine() }),
    workloadsOf: (user) => docker.listServices({ filters: { label: [`atrium.user=${user}`] } }),
    swapLimited: false,
    // The swarm removes stopped task containers a few seconds after their service; the networks wait.
    cleanUp: () => removeIdleNetworksOnceGone(new SwarmSpawner(), (user) => user.startsWith(`w${run}`)),
  },
];
for (const b of backends) if (b.notReady && !CI) console.warn(`[workspaces/lifecycle.test] ${b.name} skipped: ${b.notReady}`);

describe.each(backends.filter((b) => b.notReady === undefined || CI))("workspace lifecycle on $name (real engine)", (backend) => {
  const { spawner, workloadsOf } = backend;
  const people: string[] = [];
  let handle: DbHandle;
  const db = () => handle.db;

  async function person(suffix: string, role = "user"): Promise<Principal> {
    const name = `w${run}${backend.name[0]}-${suffix}`;
    people.push(name);
    const row = await insertUser(db(), { name, role, roleSource: "admin" });
    return { ...principal(name, role), userId: row?.id };
  }

  async function settle(user: string, server: string, timeoutMs = 40_000) {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      const row = await findServer(db(), user, server);
      if (row && row.status !== "pending" && row.status !== "stopping") return row;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${user}/${server} did not settle within ${timeoutMs} ms`);
  }

  async function jupyter(user: string, server: string, path: string, init?: RequestInit) {
    const target = await resolveWorkspaceTarget(db(), user, server);
    if (!target) throw new Error("not running");
    return fetch(`${target.url}/user/${user}/${server}/${path}`, {
      ...init,
      headers: { authorization: `token ${target.token}`, ...init?.headers },
    });
  }

  beforeAll(async () => {
    if (backend.notReady) throw new Error(`workspace integration tests on ${backend.name} cannot run in CI: ${backend.notReady}`);
    handle = await openTestDatabase("pglite");
    // Many starts at once: the seeded environment runs the small Notebook 6 image here (JupyterLab
    // takes several times as long to start; e2e/jupyterlab.spec.ts covers it).
    const seeded = await findEnvironment(db(), "python");
    if (!seeded) throw new Error("the seeded environment python is missing");
    const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = seeded;
    await updateEnvironment(db(), "python", { ...rest, image: TEST_IMAGE });
    await insertEnvironment(db(), {
      id: "hog",
      name: "Memory hog",
      description: "allocates 1 GiB in its main process",
      image: TEST_IMAGE,
      command: ["python3", "-c", "x = bytearray(1024 * 1024 * 1024); import time; time.sleep(60)"],
      defaultCpu: 0.5,
      defaultMemGb: 0.25,
      maxCpu: null,
      maxMemGb: null,
      rolesAllowed: [],
      deprecated: false,
    });
    await insertEnvironment(db(), {
      id: "mute",
      name: "Never answers",
      description: "sleeps instead of starting Jupyter",
      image: TEST_IMAGE,
      command: ["sleep", "600"],
      defaultCpu: 0.5,
      defaultMemGb: 0.5,
      maxCpu: null,
      maxMemGb: null,
      rolesAllowed: [],
      deprecated: false,
    });
  });

  afterAll(async () => {
    for (const user of people) {
      for (const l of (await spawner.list().catch(() => [])).filter((x) => x.ownerName === user))
        await spawner.remove(l.ref).catch(() => undefined);
      for (const c of await containersOf(user))
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
    }
    await backend.cleanUp();
    for (const user of people) {
      const home = (await findUser(db(), user))?.homeVolume;
      if (home) await spawner.removeVolume(home).catch(() => undefined);
    }
    await handle?.close();
  }, 60_000);

  it("starts a server that Jupyter answers for, with the limits on the container, and stops it keeping the volume", async () => {
    const me = await person("basic");
    // A per-user override of the role's pids limit (1024) reaches the container.
    await updateUser(db(), me.name, { limits: { maxPids: 300 } });
    const view = await startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 1.5, memGb: 1 });
    expect(view).toMatchObject({ status: "pending", url: `/user/${me.name}/default/`, cpu: 1.5, memGb: 1 });
    expect(JSON.stringify(view)).not.toMatch(/jupyter_?token|127\.0\.0\.1/i);

    const events = [];
    for await (const e of progressEvents(db(), me.name, "default", new AbortController().signal, 100)) events.push(e);
    expect(events.at(-1)).toMatchObject({ ready: true, progress: 100, url: `/user/${me.name}/default/` });
    expect(events.length).toBeGreaterThan(1);
    expect(events[0]?.progress).toBeLessThan(100);

    const row = await settle(me.name, "default");
    expect(row.status).toBe("running");
    const status = await jupyter(me.name, "default", "api/status");
    expect(status.status).toBe(200);

    const c = await runningContainerOf(me.name);
    const inspect = await docker.getContainer(c?.Id ?? "").inspect();
    expect(inspect.HostConfig.NanoCpus).toBe(1_500_000_000);
    expect(inspect.HostConfig.Memory).toBe(1024 ** 3);
    expect(inspect.HostConfig.PidsLimit).toBe(300);
    expect(inspect.HostConfig.CapDrop).toEqual(["ALL"]);
    if (backend.swapLimited) expect(inspect.HostConfig.MemorySwap).toBe(1024 ** 3);
    expect(inspect.Config.Labels).toMatchObject({ "atrium.user": me.name, "atrium.server": "default", "atrium.env": "python" });
    const env = inspect.Config.Env ?? [];
    expect(env.some((e) => e.startsWith("MLFLOW_TRACKING_TOKEN=atr_"))).toBe(true);
    expect(env.some((e) => e.startsWith("MLFLOW_TRACKING_URI=http://host.docker.internal:"))).toBe(true);
    expect(inspect.Config.Cmd?.join(" ") ?? "").not.toContain(row.jupyterToken ?? "none");

    const put = await jupyter(me.name, "default", "api/contents/keep.txt", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "file", format: "text", content: "still here" }),
    });
    expect(put.status).toBe(201);

    const stopping = await stopServer(db(), spawner, me, me.name, "default", { wait: true });
    expect(stopping.status).toBe("stopping");
    expect((await findServer(db(), me.name, "default"))?.status).toBe("stopped");
    expect(await workloadsOf(me.name)).toHaveLength(0);
    const home = (await findUser(db(), me.name))?.homeVolume ?? "none";
    expect(home).toMatch(/^atrium-home-[0-9a-f]{32}$/);
    expect((await docker.getVolume(home).inspect()).Name).toBe(home);
    expect(await resolveWorkspaceTarget(db(), me.name, "default")).toBeNull();

    // Started again, in a project: its notebooks' mlflow logs there without code (MLFLOW_WORKSPACE); the first had none.
    expect(env.some((e) => e.startsWith("MLFLOW_WORKSPACE="))).toBe(false);
    const project = `lc-${run}${backend.name[0]}`;
    await createProject(db(), me, { name: project, description: "" });
    const member = { ...me, projectRoles: (await membershipsOf(db(), me.userId ?? "", [])).projectRoles };
    await startServer(db(), spawner, member, me.name, "default", { environment: "python", cpu: 1, memGb: 1, project });
    expect(await settle(me.name, "default")).toMatchObject({ status: "running", reason: null });
    const again = await docker.getContainer((await runningContainerOf(me.name))?.Id ?? "").inspect();
    expect(again.Config.Env ?? []).toContain(`MLFLOW_WORKSPACE=${project}`);
    const file = await jupyter(me.name, "default", "api/contents/keep.txt");
    expect(((await file.json()) as { content: string }).content).toBe("still here");
    await stopServer(db(), spawner, me, me.name, "default", { wait: true });
    const actions = (await db().select().from(auditEvents)).filter((a) => a.target === `${me.name}/default`).map((a) => a.action);
    expect(actions).toEqual(["server.start", "server.stop", "server.start", "server.stop"]);
  });

  it("ten concurrent starts against a quota that allows one more: exactly one wins, nothing else is created", async () => {
    const me = await person("race");
    await updateUser(db(), me.name, { limits: { maxServers: 10, maxTotalCpu: 1, maxTotalMemGb: 10 } });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => startServer(db(), spawner, me, me.name, `s${i}`, { environment: "python", cpu: 1, memGb: 0.5 })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(ApiError);
      expect((l.reason as ApiError).code).toBe("quota_exceeded");
      expect((l.reason as ApiError).message).toContain("allows 1 in all");
    }
    const winner = won[0]?.status === "fulfilled" ? won[0].value.name : "";
    expect((await settle(me.name, winner)).status).toBe("running");
    expect(await workloadsOf(me.name)).toHaveLength(1);
    const vols = await docker.listVolumes({ filters: { label: [`atrium.user=${me.name}`] } });
    expect(vols.Volumes ?? []).toHaveLength(1);
    await stopServer(db(), spawner, me, me.name, winner, { wait: true });
  });

  it("refuses with the numbers, and a second start of a running server is a 409", async () => {
    const me = await person("limits");
    await expect(startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 4, memGb: 1 })).rejects.toMatchObject({
      status: 403,
      code: "limit_exceeded",
      message: "You asked for 4 CPUs; role 'user' allows 2 per server; an admin can give you the 'power' role.",
    });
    await expect(startServer(db(), spawner, me, me.name, "default", { environment: "nope", cpu: 1, memGb: 1 })).rejects.toMatchObject({
      status: 400,
      code: "unknown_environment",
    });
    await startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 1, memGb: 1 });
    await expect(startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 1, memGb: 1 })).rejects.toMatchObject({
      status: 409,
      code: "already_running",
    });
    await expect(startServer(db(), spawner, me, me.name, "other", { environment: "python", cpu: 1, memGb: 1 })).rejects.toMatchObject({
      status: 403,
      code: "quota_exceeded",
    });
    await settle(me.name, "default");
    await stopServer(db(), spawner, me, me.name, "default", { wait: true });
    expect(await workloadsOf(me.name)).toHaveLength(0);
  });

  it("a server limited to 256 MiB that allocates 1 GiB ends failed: out of memory", async () => {
    const me = await person("oom");
    await startServer(db(), spawner, me, me.name, "default", { environment: "hog", cpu: 0.5, memGb: 0.25 });
    const row = await settle(me.name, "default");
    expect(row.status).toBe("failed");
    expect(row.reason).toBe("out of memory (limit 256 MiB)");
    expect(await workloadsOf(me.name)).toHaveLength(0);
  });

  it("a server that never answers is removed after the spawn timeout, with the reason", async () => {
    const me = await person("mute");
    await startServer(db(), spawner, me, me.name, "default", { environment: "mute", cpu: 0.5, memGb: 0.5 });
    const row = await settle(me.name, "default", 40_000);
    expect(row.status).toBe("failed");
    expect(row.reason).toBe("Jupyter did not answer within 20 s");
    expect(await workloadsOf(me.name)).toHaveLength(0);
  }, 60_000);

  it("reconcile adopts running containers and records ones that died behind its back", async () => {
    const me = await person("recon");
    await startServer(db(), spawner, me, me.name, "a", { environment: "python", cpu: 0.5, memGb: 0.5 });
    await settle(me.name, "a");
    const report = await reconcileWorkloads(db(), spawner);
    expect(report?.adopted).toContain(`${me.name}/a`);
    expect((await findServer(db(), me.name, "a"))?.status).toBe("running");

    const c = await runningContainerOf(me.name);
    await docker.getContainer(c?.Id ?? "").kill({ signal: "SIGKILL" });
    const after = await reconcileWorkloads(db(), spawner);
    expect(after?.failed).toContain(`${me.name}/a`);
    const row = await findServer(db(), me.name, "a");
    expect(row?.status).toBe("failed");
    expect(row?.reason).toMatch(/^exited with code 137/);

    await updateServer(db(), me.name, "a", { status: "running", url: "http://127.0.0.1:9" });
    const gone = await reconcileWorkloads(db(), spawner);
    expect(gone?.stopped).toContain(`${me.name}/a`);
    expect((await findServer(db(), me.name, "a"))?.reason).toBe("the container disappeared from the engine");
  });

  it("a server shut down from Jupyter (File > Shut Down: POST api/shutdown, exit 0) is recorded as stopped from Jupyter, not failed", async () => {
    const me = await person("quit");
    await startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    expect((await settle(me.name, "default")).status).toBe("running");
    expect((await jupyter(me.name, "default", "api/shutdown", { method: "POST" })).status).toBe(200);
    const t0 = Date.now();
    while ((await spawner.status(workspaceRef({ user: me.name, server: "default" }))).state === "running" && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 200));
    expect(await spawner.status(workspaceRef({ user: me.name, server: "default" }))).toMatchObject({ state: "failed", exitCode: 0 });
    const report = await reconcileWorkloads(db(), spawner);
    expect(report?.stopped).toContain(`${me.name}/default`);
    expect(report?.failed).not.toContain(`${me.name}/default`);
    expect(await findServer(db(), me.name, "default")).toMatchObject({ status: "stopped", reason: "stopped from Jupyter" });
    expect(await workloadsOf(me.name)).toHaveLength(0);
  });

  it("after Jupyter's Shut Down, the next stats poll records the stop at once, without waiting for the reconcile loop", async () => {
    const me = await person("quit-now");
    await startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    expect((await settle(me.name, "default")).status).toBe("running");
    // Only a running row is checked; one that is running on the engine too stays as it is.
    expect(await reconcileServer(db(), spawner, me.name, "default")).toMatchObject({ adopted: [`${me.name}/default`] });
    expect(await reconcileServer(db(), spawner, me.name, "nope")).toBeNull();
    expect((await jupyter(me.name, "default", "api/shutdown", { method: "POST" })).status).toBe(200);
    const t0 = Date.now();
    while ((await spawner.status(workspaceRef({ user: me.name, server: "default" }))).state === "running" && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 200));
    expect((await findServer(db(), me.name, "default"))?.status).toBe("running");
    // A swarm task still reads "running" for a moment after its container exited; the page polls every 5 s.
    await vi.waitFor(
      () => expect(getServerStats(db(), spawner, me.name, "default")).rejects.toMatchObject({ status: 409, code: "server_not_running" }),
      { timeout: 10_000, interval: 500 },
    );
    expect(await findServer(db(), me.name, "default")).toMatchObject({ status: "stopped", reason: "stopped from Jupyter" });
    expect(await workloadsOf(me.name)).toHaveLength(0);
    expect(await reconcileServer(db(), spawner, me.name, "default")).toBeNull();
  });

  it("deleting a user stops and removes her servers on the engine, and removes her volume when asked", async () => {
    const me = await person("gone");
    await startServer(db(), spawner, me, me.name, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    expect((await settle(me.name, "default")).status).toBe("running");
    const home = (await findUser(db(), me.name))?.homeVolume ?? "none";
    const removed = await removeUser(db(), spawner, principal("root", "admin"), me.name, { volume: "remove" });
    expect(removed).toMatchObject({ servers: ["default"], volume: { name: home, removed: true } });
    expect(await workloadsOf(me.name)).toHaveLength(0);
    await expect(docker.getVolume(home).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it("reconcile removes what a deleted user left running, and leaves containers this database never knew", async () => {
    const ghost = await person("ghost");
    const foreign = await person("foreign");
    for (const p of [ghost, foreign]) {
      await startServer(db(), spawner, p, p.name, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
      expect((await settle(p.name, "default")).status).toBe("running");
    }
    // As if the container escaped the deletion (a start that raced it): the row is gone, the id recorded.
    const row = (await findUser(db(), ghost.name))!;
    await insertDeletedUser(db(), { id: row.id, name: ghost.name, homeVolume: row.homeVolume, volumeKept: true });
    await deleteUser(db(), ghost.name);
    // Another portal's person on the same engine: unknown to this database, never recorded as deleted.
    await deleteUser(db(), foreign.name);
    const report = await reconcileWorkloads(db(), spawner);
    expect(report?.orphaned).toContain(`${ghost.name}/default`);
    expect(report?.orphaned).not.toContain(`${foreign.name}/default`);
    expect(report?.unknown).toContain(`${foreign.name}/default`);
    expect(await workloadsOf(ghost.name)).toHaveLength(0);
    expect(await workloadsOf(foreign.name)).toHaveLength(1);
    await spawner.remove(workspaceRef({ user: foreign.name, server: "default" }));
  }, 90_000);

  it("an unreachable engine is a clear 503 and changes nothing", async () => {
    const me = await person("down");
    const dead = backend.dead();
    await expect(startServer(db(), dead, me, me.name, "default", { environment: "python", cpu: 1, memGb: 1 })).rejects.toMatchObject({
      status: 503,
      code: "engine_unavailable",
    });
    expect(await findServer(db(), me.name, "default")).toBeUndefined();
    expect(await reconcileWorkloads(db(), dead)).toBeNull();
  });
});
