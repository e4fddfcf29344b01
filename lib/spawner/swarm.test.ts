/**
 * SwarmSpawner against a real one-node swarm on this machine's engine (`docker swarm init
 * --advertise-addr 127.0.0.1`, which .ci/run does) and the real workspace image: the same checks as
 * docker.test.ts, plus what only a swarm has (service spec, placement constraints, task states).
 * Without a swarm the suite is skipped with the reason printed; in CI it fails.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendExecute, stdoutOf } from "@/lib/routing/kernel-test-client";
import { openWebSocket } from "@/lib/routing/ws-test-client";
import { containerName, legacyVolumeName } from "./container-spec";
import { SwarmSpawner } from "./swarm";
import { collectLines, specFactory, waitForJupyterApi, waitForStatus } from "./spawner-test-support";
import { swarmReadiness } from "./testing";
import { ServerNotRunningError, SpawnError } from "./types";

const CI = Boolean(process.env.CI);
const notReady = await swarmReadiness();
if (notReady && !CI) console.warn(`[spawner/swarm.test] skipped: ${notReady}`);

const run = `s${Date.now().toString(36)}`;
const network = `atrium-swarm-test-${run}`;
const spawner = new SwarmSpawner({ network, unschedulableGraceMs: 1_000, startTimeoutMs: 60_000 });
const docker = spawner.docker;
const { spec, users, refs } = specFactory();

/** The task containers of a service on this node (running ones only, unless `all`). */
async function taskContainers(serviceName: string, all = false) {
  return docker.listContainers({ all, filters: { label: [`com.docker.swarm.service.name=${serviceName}`] } });
}

describe.skipIf(notReady !== undefined && !CI)("SwarmSpawner (one-node swarm)", () => {
  const alice = `${run}a`;
  const main = spec(alice, "default");
  let serviceId = "";
  let url = "";

  beforeAll(() => {
    if (notReady) throw new Error(`Swarm integration tests cannot run in CI: ${notReady}`);
  });

  afterAll(async () => {
    for (const ref of refs) await spawner.remove(ref).catch(() => undefined);
    // The swarm removes a service's stopped containers a few seconds later; the volumes can only go
    // once it has.
    for (let i = 0; i < 80; i++) {
      const left = await docker.listContainers({ all: true, filters: { label: ["atrium.managed=true"] } });
      if (!left.some((c) => users.has(c.Labels["atrium.user"] ?? ""))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await docker.getNetwork(network).remove().catch(() => undefined);
    for (const user of users) await spawner.removeVolume(legacyVolumeName(user)).catch((err: unknown) => console.warn(`[spawner/swarm.test] volume of ${user} left: ${String(err)}`));
  }, 120_000);

  it("starts a service whose Jupyter answers through the published port with the token, 403 without", async () => {
    const events: string[] = [];
    const t0 = Date.now();
    const started = await spawner.start(main, (e) => events.push(e.phase));
    const startMs = Date.now() - t0;
    const readyMs = await waitForJupyterApi(started.url, main.baseUrl, main.token);
    console.info(`[spawner/swarm.test] start() took ${startMs} ms; api/status answered ${readyMs} ms later`);

    expect(events).toEqual(["creating", "starting"]);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.state.containerName).toBe(containerName(main));
    expect(started.state.port).toBe(Number(new URL(started.url).port));
    serviceId = started.state.containerId;
    url = started.url;

    expect((await fetch(`${url}${main.baseUrl}api/status`)).status).toBe(403);
    const body = (await (await fetch(`${url}${main.baseUrl}api/status`, { headers: { Authorization: `token ${main.token}` } })).json()) as Record<string, unknown>;
    expect(body).toHaveProperty("started");
    expect(await spawner.status(main)).toMatchObject({ state: "running", startedAt: expect.any(String) });
  }, 90_000);

  it("creates one replica with labels, limits and reservations, no restarts, the overlay network and the home volume", async () => {
    const service = (await docker.getService(serviceId).inspect()) as import("dockerode").Service;
    const spec0 = service.Spec;
    const task = spec0?.TaskTemplate as import("dockerode").ContainerTaskSpec;
    const labels = { "atrium.user": alice, "atrium.server": "default", "atrium.env": "test-env", "atrium.managed": "true" };
    expect(spec0?.Name).toBe(containerName(main));
    expect(spec0?.Labels).toMatchObject(labels);
    expect(task.ContainerSpec?.Labels).toMatchObject(labels);
    expect(spec0?.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(task.Resources).toEqual({ Limits: { NanoCPUs: 500_000_000, MemoryBytes: 1024 ** 3 }, Reservations: { NanoCPUs: 500_000_000, MemoryBytes: 1024 ** 3 } });
    expect(task.RestartPolicy?.Condition).toBe("none");
    expect(service.Endpoint?.Spec).toEqual({ Mode: "dnsrr", Ports: [{ Protocol: "tcp", TargetPort: 8888, PublishMode: "host" }] });

    const net = await docker.getNetwork(network).inspect();
    expect(net).toMatchObject({ Driver: "overlay", Attachable: true, Scope: "swarm" });
    expect(task.Networks?.map((n) => n.Target)).toEqual([net.Id]);

    // The limits land on the task's container.
    const [c] = await taskContainers(containerName(main), true);
    const info = await docker.getContainer(c?.Id ?? "").inspect();
    expect(info.Config.Labels).toMatchObject(labels);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(1024 ** 3);
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.ExtraHosts).toEqual(["host.docker.internal:host-gateway"]);
    expect(info.Config.User).toBe("jovyan");
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: legacyVolumeName(alice), Destination: "/home/jovyan" })]);
    expect(info.Config.Env).toContain(`JUPYTER_TOKEN=${main.token}`);
    expect(info.Config.Env).toContain(`JUPYTER_BASE_URL=${main.baseUrl}`);
    expect(info.Config.Env).toContain("ATRIUM_TEST=yes");
    expect(JSON.stringify([info.Path, info.Args, info.Config.Cmd])).not.toContain(main.token);
    const vol = await docker.getVolume(legacyVolumeName(alice)).inspect();
    expect(vol.Labels).toMatchObject({ "atrium.user": alice, "atrium.managed": "true" });
  });

  it("runs code in a kernel over a WebSocket through the URL", async () => {
    const auth = { Authorization: `token ${main.token}` };
    const base = `${url}${main.baseUrl}`;
    const created = await fetch(`${base}api/kernels`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
    expect(created.status).toBe(201);
    const kernel = (await created.json()) as { id: string };
    const session = randomUUID();
    const opened = await openWebSocket(`${base.replace("http", "ws")}api/kernels/${kernel.id}/channels?session_id=${session}`, auth);
    expect(opened.status).toBe(101);
    if (!opened.upgraded) return;
    const msgId = sendExecute(opened.ws, { code: "print(6*7)", username: alice, session });
    const text = await stdoutOf(opened.ws, msgId);
    opened.ws.close();
    expect(text).toBe("42\n");
    expect((await fetch(`${base}api/kernels/${kernel.id}`, { method: "DELETE", headers: auth })).status).toBe(204);
  }, 60_000);

  it("is idempotent: a second start returns the running service as is", async () => {
    const events: string[] = [];
    const again = await spawner.start({ ...main, token: "another-token-ignored" }, (e) => events.push(e.phase));
    expect(again.state.containerId).toBe(serviceId);
    expect(again.url).toBe(url);
    expect(events).toEqual([]);
  });

  it("runs commands in the task's container and reads its usage", async () => {
    const r = await spawner.exec(main, ["python3", "-c", "import os;print(os.getuid());print(os.environ['X']);raise SystemExit(3)"], { env: { X: "a b" } });
    expect(await collectLines(r.output)).toEqual(["1000", "a b"]);
    expect(await r.exitCode).toBe(3);
    const root = await spawner.exec(main, ["id", "-u"], { user: "root" });
    expect(await collectLines(root.output)).toEqual(["0"]);
    const s = await spawner.stats(main);
    expect(s.memBytes).toBeGreaterThan(0);
    expect(s.memBytes).toBeLessThan(1024 ** 3);
    expect(s.cpu).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it("lists the servers it manages from the services' labels", async () => {
    const fresh = new SwarmSpawner({ network }); // a restarted portal knows nothing but the labels
    const mine = (await fresh.list()).find((l) => l.user === alice && l.server === "default");
    expect(mine).toMatchObject({
      environment: "test-env",
      state: { containerId: serviceId, containerName: containerName(main), port: Number(new URL(url).port) },
      status: { state: "running" },
      url,
    });
  });

  it("keeps the home volume and a file in it across stop and start", async () => {
    const w = await spawner.exec(main, ["sh", "-c", "echo hi > ~/f.txt"]);
    expect(await w.exitCode).toBe(0);

    await spawner.stop(main);
    expect(await spawner.status(main)).toEqual({ state: "stopped" });
    expect(await taskContainers(containerName(main))).toHaveLength(0);
    expect((await docker.getVolume(legacyVolumeName(alice)).inspect()).Name).toBe(legacyVolumeName(alice));
    await expect(spawner.exec(main, ["true"])).rejects.toBeInstanceOf(ServerNotRunningError);
    await expect(spawner.stats(main)).rejects.toBeInstanceOf(ServerNotRunningError);
    await spawner.stop(main); // stopping a stopped server is a no-op

    const again = await spawner.start(main);
    expect(again.state.containerId).not.toBe(serviceId);
    await waitForJupyterApi(again.url, main.baseUrl, main.token);
    const r = await spawner.exec(main, ["cat", "/home/jovyan/f.txt"]);
    expect(await collectLines(r.output)).toEqual(["hi"]);
    await spawner.stop(main);
  }, 90_000);

  it("reports why a task exited, and replaces the leftover on the next start", async () => {
    const bob = `${run}b`;
    const s = spec(bob, "crash", { cmd: ["sh", "-c", "echo 'boom: no such module' >&2; exit 2"] });
    const err = await spawner.start(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Either start() saw it die, or it was running for a moment and status() sees it now.
    if (err) expect(err).toMatchObject({ failure: { reason: "exited with code 2: boom: no such module", exitCode: 2 } });
    const st = await waitForStatus(spawner, s, (x) => x.state === "failed", 15_000);
    expect(st).toEqual({ state: "failed", reason: "exited with code 2: boom: no such module", exitCode: 2 });
    expect((await spawner.list()).find((l) => l.user === bob)?.status).toMatchObject({ state: "failed", exitCode: 2 });

    const old = (await docker.getService(containerName(s)).inspect()) as { ID: string };
    const fresh = await spawner.start({ ...s, cmd: ["sleep", "60"] });
    expect(fresh.state.containerId).not.toBe(old.ID);
    expect(await spawner.status(s)).toMatchObject({ state: "running" });
    await spawner.remove(s);
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
  }, 60_000);

  it("reports an out-of-memory kill with the limit (256 MiB, allocating 1 GiB)", async () => {
    const s = spec(`${run}c`, "oom", { memGb: 0.25, cmd: ["python3", "-c", "x = bytearray(1024*1024*1024); import time; time.sleep(60)"] });
    const err = await spawner.start(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err) {
      expect(err).toBeInstanceOf(SpawnError);
      expect((err as SpawnError).message).toBe("The server could not start: out of memory (limit 256 MiB).");
    }
    const st = await waitForStatus(spawner, s, (x) => x.state === "failed", 20_000);
    expect(st).toEqual({ state: "failed", reason: "out of memory (limit 256 MiB)", exitCode: 137, oomKilled: true });
    await spawner.remove(s);
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
  }, 60_000);

  it("fails a task no node can take, saying no suitable node and what the environment asked for", async () => {
    const s = spec(`${run}d`, "gpu", { constraints: ["node.labels.gpu==true"] });
    const t0 = Date.now();
    const err = await spawner.start(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpawnError);
    const reason = (err as SpawnError).failure?.reason ?? "";
    expect(reason).toMatch(/^no suitable node \(scheduling constraints not satisfied on 1 node\)/);
    expect(reason).toContain("node.labels.gpu==true");
    expect(Date.now() - t0).toBeLessThan(15_000);
    const service = (await docker.getService(containerName(s)).inspect()) as import("dockerode").Service;
    expect((service.Spec?.TaskTemplate as import("dockerode").ContainerTaskSpec).Placement?.Constraints).toEqual(["node.labels.gpu==true"]);
    expect(await spawner.status(s)).toMatchObject({ state: "failed", reason });
    await spawner.remove(s);

    // Too much asked of the node: no suitable node for want of resources, with the amounts.
    const big = spec(`${run}d`, "big", { cpu: 64, memGb: 1 });
    const err2 = await spawner.start(big).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err2 as SpawnError).failure?.reason).toBe("no suitable node (insufficient resources on 1 node): 64 CPUs and 1 GiB asked for");
    await spawner.remove(big);
  }, 60_000);

  it("refuses a missing image without creating a service", async () => {
    const s = spec(`${run}e`, "default", { image: `atrium-no-such-image-${run}:1` });
    await expect(spawner.start(s)).rejects.toMatchObject({ reason: "image_missing", message: `The image "${s.image}" is not on the engine; an admin has to build or pull it.` });
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
  });

  it("gives (sec, alice-w5) and (sec-alice, w5) different services: one person cannot squat another's name", async () => {
    const u = `${run}f`;
    const a = spec(u, "x-y", { cmd: ["sleep", "60"] });
    const b = spec(`${u}-x`, "y", { cmd: ["sleep", "60"] });
    expect(containerName(a)).not.toBe(containerName(b));
    await spawner.start(a);
    expect(await spawner.status(b)).toEqual({ state: "stopped" });
    await spawner.stop(b);
    expect(await spawner.status(a)).toMatchObject({ state: "running" });
    await spawner.start(b);
    expect(await spawner.status(b)).toMatchObject({ state: "running" });
    await spawner.remove(a);
    await spawner.remove(b);
  }, 60_000);

  it("adopts and stops a service made under the old name, by its labels", async () => {
    const s = spec(`${run}l`, "old-one", { cmd: ["sleep", "60"] });
    const legacy = spawner.serviceSpec(s);
    legacy.Name = `atrium-${s.user}-${s.server}`;
    const created = await docker.createService(legacy);
    expect(await waitForStatus(spawner, s, (x) => x.state === "running", 30_000)).toMatchObject({ state: "running" });
    expect((await spawner.list()).find((x) => x.user === s.user)).toMatchObject({ server: "old-one" });
    await spawner.stop(s);
    await expect(docker.getService(created.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it("publishes nothing when the portal is on the overlay network, and answers by service name there", async () => {
    const onNet = new SwarmSpawner({ network, portalOnNetwork: true });
    const s = spec(`${run}g`, "default");
    const started = await onNet.start(s);
    expect(started.url).toBe(`http://${containerName(s)}:8888`);
    expect(started.state.port).toBeUndefined();
    const service = (await docker.getService(started.state.containerId).inspect()) as import("dockerode").Service;
    expect(service.Endpoint?.Spec?.Ports ?? []).toEqual([]);
    // A container on the overlay network (here the workspace itself) reaches it by service name.
    const probe = [
      "import sys,time,urllib.request as u",
      "for i in range(120):",
      "  try:",
      `    r=u.urlopen(u.Request('${started.url}${s.baseUrl}api/status',headers={'Authorization':'token ${s.token}'}),timeout=2); print(r.status); sys.exit(0)`,
      "  except Exception as e: time.sleep(0.25)",
      "sys.exit(1)",
    ].join("\n");
    const r = await onNet.exec(s, ["python3", "-c", probe]);
    expect(await collectLines(r.output)).toEqual(["200"]);
    expect((await onNet.list()).find((l) => l.user === s.user)?.url).toBe(started.url);
    await onNet.stop(s);
  }, 90_000);
});
