/**
 * SwarmSpawner against a real one-node swarm on this machine's engine (`docker swarm init
 * --advertise-addr 127.0.0.1`, which .ci/run does) and the real workspace image: the contract every
 * backend meets (spawner-contract.ts, as docker.test.ts runs it), plus what only a swarm has
 * (service spec, placement constraints, the overlay network, kernels through the published port).
 * Without a swarm the suite is skipped with the reason printed; in CI it fails.
 */
import { randomUUID } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendExecute, stdoutOf } from "@/lib/workspaces/kernel-test-client";
import { openWebSocket } from "@/lib/proxy/ws-test-client";
import { legacyVolumeName } from "./container-spec";
import { findLabels, objectName } from "./kinds";
import { spawnerContract } from "./spawner-contract";
import { SwarmSpawner } from "./swarm";
import { TEST_IMAGE, collectLines, jupyterReach, specFactory, swarmReadiness, waitForJupyterApi } from "./testing";
import { Engine } from "./engine";
import { workloadNetwork } from "./networks";
import { SpawnError, type WorkloadRef } from "./types";

const CI = Boolean(process.env.CI);
const notReady = await swarmReadiness();
if (notReady && !CI) console.warn(`[spawner/swarm.test] skipped: ${notReady}`);

const run = `s${Date.now().toString(36)}`;
const network = `atrium-swarm-test-${run}`;
/** A container standing in for the portal's, on the portal's overlay `network`. */
const portalName = `atrium-test-${run}-portal`;
const spawner = new SwarmSpawner({ network, unschedulableGraceMs: 1_000, startTimeoutMs: 60_000 });
const docker = spawner.docker;
const { spec, jobSpec, users, refs } = specFactory();

/** The task containers of a service on this node (running ones only, unless `all`). */
async function taskContainers(serviceName: string, all = false) {
  return docker.listContainers({ all, filters: { label: [`com.docker.swarm.service.name=${serviceName}`] } });
}

describe.skipIf(notReady !== undefined && !CI)("SwarmSpawner (one-node swarm)", () => {
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
    await docker
      .getContainer(portalName)
      .remove({ force: true })
      .catch(() => undefined);
    for (const name of [network, ...[...users].map((u) => workloadNetwork("personal-overlay", `id-${u}`).name)])
      await docker
        .getNetwork(name)
        .remove()
        .catch(() => undefined);
    for (const user of users)
      await spawner
        .removeVolume(legacyVolumeName(user))
        .catch((err: unknown) => console.warn(`[spawner/swarm.test] volume of ${user} left: ${String(err)}`));
  }, 120_000);

  describe("spawner contract", () => {
    spawnerContract({
      label: "spawner/swarm.test",
      spawner,
      fresh: () => new SwarmSpawner({ network }),
      dead: () => new SwarmSpawner({ docker: new Dockerode({ socketPath: "/tmp/nope.sock" }) }),
      spec,
      jobSpec,
      run,
      objectId: async (ref: WorkloadRef) => (await docker.listServices({ filters: { label: findLabels(ref) } }))[0]?.ID,
      createLegacy: async (s) => {
        const legacy = spawner.serviceSpec(s);
        legacy.Name = `atrium-${s.user}-${s.server}`;
        // Services from before ids, kinds and ports carry none of them.
        for (const label of ["atrium.user-id", "atrium.kind", "atrium.port"]) delete legacy.Labels?.[label];
        if (legacy.TaskTemplate) legacy.TaskTemplate.Networks = []; // nor a personal network, which only a start makes
        await docker.createService(legacy);
      },
      oneOffs: async () => (await docker.listContainers({ all: true, filters: { label: ["atrium.purpose=run-in-image"] } })).length,
      // What the engine stored: Docker 20.10's swarm drops the field (hardening.ts).
      readsFiles: false,
      keepsNoNewPrivileges: async (ref) => {
        const service = (await docker.getService(objectName(ref)).inspect()) as import("dockerode").Service;
        const task = service.Spec?.TaskTemplate as import("dockerode").ContainerTaskSpec;
        return (task.ContainerSpec?.Privileges as { NoNewPrivileges?: boolean } | undefined)?.NoNewPrivileges === true;
      },
    });
  });

  // A server of its own for what only a swarm has.
  const alice = `${run}w`;
  const main = spec(alice, "default");
  let serviceId = "";
  let url = "";

  it("starts a service whose Jupyter answers through the published port", async () => {
    const started = await spawner.start(main);
    await waitForJupyterApi(started.url ?? "", main.baseUrl, main.token);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    url = started.url ?? "";
    serviceId = ((await docker.getService(objectName(main.ref)).inspect()) as { ID: string }).ID;
  }, 90_000);

  it("creates one replica with labels, limits and reservations, no restarts, the overlay network and the home volume", async () => {
    const service = (await docker.getService(serviceId).inspect()) as import("dockerode").Service;
    const spec0 = service.Spec;
    const task = spec0?.TaskTemplate as import("dockerode").ContainerTaskSpec;
    const labels = { "atrium.user": alice, "atrium.server": "default", "atrium.env": "test-env", "atrium.managed": "true" };
    expect(spec0?.Name).toBe(objectName(main.ref));
    expect(spec0?.Labels).toMatchObject(labels);
    expect(task.ContainerSpec?.Labels).toMatchObject(labels);
    expect(spec0?.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(task.Resources).toEqual({
      Limits: { NanoCPUs: 500_000_000, MemoryBytes: 1024 ** 3, Pids: 1024 },
      Reservations: { NanoCPUs: 500_000_000, MemoryBytes: 1024 ** 3 },
    });
    expect(task.ContainerSpec?.CapabilityDrop).toEqual(["ALL"]);
    // Asked for whatever this engine keeps of it (the contract checks what the container got).
    expect(spawner.serviceSpec(main).TaskTemplate).toMatchObject({ ContainerSpec: { Privileges: { NoNewPrivileges: true } } });
    expect(task.RestartPolicy?.Condition).toBe("none");
    expect(service.Endpoint?.Spec).toEqual({ Mode: "dnsrr", Ports: [{ Protocol: "tcp", TargetPort: 8888, PublishMode: "host" }] });

    // Her own overlay, made for her.
    const net = await docker.getNetwork(workloadNetwork("personal-overlay", main.ownerId).name).inspect();
    expect(net).toMatchObject({
      Driver: "overlay",
      Attachable: true,
      Scope: "swarm",
      Labels: { "atrium.managed": "true", "atrium.network": "personal", "atrium.user-id": main.ownerId },
    });
    expect(task.Networks?.map((n) => n.Target)).toEqual([net.Id]);
    // A job of hers goes on the same overlay: the network follows the spec's owner, whatever the kind.
    const herJob = spawner.serviceSpec(jobSpec(main.user, "net", ["true"])).TaskTemplate as import("dockerode").ContainerTaskSpec;
    expect(herJob.Networks).toEqual([{ Target: net.Name }]);

    // The limits land on the task's container.
    const [c] = await taskContainers(objectName(main.ref), true);
    const info = await docker.getContainer(c?.Id ?? "").inspect();
    expect(info.Config.Labels).toMatchObject(labels);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(1024 ** 3);
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.PidsLimit).toBe(1024);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.Privileged).toBe(false);
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
    const created = await fetch(`${base}api/kernels`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
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
    const service = (await docker.getService(objectName(s.ref)).inspect()) as import("dockerode").Service;
    expect((service.Spec?.TaskTemplate as import("dockerode").ContainerTaskSpec).Placement?.Constraints).toEqual(["node.labels.gpu==true"]);
    expect(await spawner.status(s.ref)).toMatchObject({ state: "failed", reason });
    await spawner.remove(s.ref);

    // Too much asked of the node: no suitable node for want of resources, with the amounts.
    const big = spec(`${run}d`, "big", { cpu: 64, memGb: 1 });
    const err2 = await spawner.start(big).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err2 as SpawnError).failure?.reason).toBe("no suitable node (insufficient resources on 1 node): 64 CPUs and 1 GiB asked for");
    await spawner.remove(big.ref);
  }, 60_000);

  it("keeps one person's workspace from reaching another's over the overlay, while the portal reaches both", async () => {
    const b = spec(`${run}x`, "default");
    const startedB = await spawner.start(b);
    await waitForJupyterApi(startedB.url ?? "", b.baseUrl, b.token);
    await waitForJupyterApi(url, main.baseUrl, main.token);
    const netB = workloadNetwork("personal-overlay", b.ownerId).name;
    const [cb] = await taskContainers(objectName(b.ref));
    const ipB = (await docker.getContainer(cb?.Id ?? "").inspect()).NetworkSettings.Networks[netB]?.IPAddress ?? "";
    expect(ipB).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // Her own Jupyter by its service name (the probe works), B's by its service name (which resolves
    // to its task on B's overlay), and B's address there.
    const reached = await jupyterReach(spawner, main.ref, [
      [objectName(main.ref), main],
      [objectName(b.ref), b],
      [ipB, b],
    ]);
    expect(reached).toEqual(["jupyter", "blocked", "blocked"]);
    await spawner.remove(b.ref);
  }, 90_000);

  it("publishes nothing when the portal is on the swarm: its container joins each person's overlay and reaches her workspace by name", async () => {
    // The portal service's overlay, and a container standing in for the portal's task on it.
    await docker.createNetwork({ Name: network, Driver: "overlay", Attachable: true, Labels: { "atrium.test": run } });
    const portal = await docker.createContainer({
      name: portalName,
      Image: TEST_IMAGE,
      Entrypoint: ["sleep", "300"],
      Labels: { "atrium.test": run },
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ["portal"] } } },
    });
    await portal.start();
    const onNet = new SwarmSpawner({ network, portalOnNetwork: true, portalContainer: portalName });
    const s = spec(`${run}g`, "default");
    const started = await onNet.start(s);
    expect(started.url).toBe(`http://${objectName(s.ref)}:8888`);
    const service = (await docker.getService(objectName(s.ref)).inspect()) as import("dockerode").Service;
    expect(service.Endpoint?.Spec?.Ports ?? []).toEqual([]);
    const own = workloadNetwork("personal-overlay", s.ownerId).name;
    const joined = (await portal.inspect()).NetworkSettings.Networks;
    expect(Object.keys(joined).sort()).toEqual([network, own].sort());
    expect(joined[own]?.Aliases).toContain("portal");
    // The portal's container reaches the workspace by its service name on the person's overlay.
    const probe = [
      "import sys,time,urllib.request as u",
      "for i in range(120):",
      "  try:",
      `    r=u.urlopen(u.Request('${started.url}${s.baseUrl}api/status',headers={'Authorization':'token ${s.token}'}),timeout=2); print(r.status); sys.exit(0)`,
      "  except Exception as e: time.sleep(0.25)",
      "sys.exit(1)",
    ].join("\n");
    const r = await new Engine({ docker }).exec(portal.id, ["python3", "-c", probe], {}, () => new Error("the portal's stand-in stopped"));
    expect(await collectLines(r.output)).toEqual(["200"]);
    expect((await onNet.list()).find((l) => l.ownerName === s.user)?.url).toBe(started.url);
    await onNet.stop(s.ref);
  }, 90_000);
});
