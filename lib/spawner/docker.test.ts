/**
 * DockerSpawner against the real engine and the real workspace image (scripts/workspace-image): the
 * contract every backend meets (spawner-contract.ts), plus what only a container has (its create
 * options, a user-defined network, an engine that hangs). Without an engine or the image the suite
 * is skipped with the reason printed; in CI it fails.
 */
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMemLimit, legacyVolumeName } from "./container-spec";
import { findLabels, objectName } from "./kinds";
import { DockerSpawner, containerCreateOptions } from "./docker";
import { Engine, cpuCores, memoryUsed } from "./engine";
import { ISOLATED_BRIDGE, ISOLATED_NETWORK, ensureNetwork } from "./networks";
import { spawnerContract } from "./spawner-contract";
import { collectLines, engineReadiness, specFactory, waitForJupyterApi } from "./testing";
import type { WorkloadRef } from "./types";

const CI = Boolean(process.env.CI);

const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[spawner/docker.test] skipped: ${notReady}`);

const run = `t${Date.now().toString(36)}`;
const spawner = new DockerSpawner();
const docker = spawner.docker;
const { spec, jobSpec, users, refs } = specFactory();

describe("DockerSpawner helpers", () => {
  it("formats a memory limit in whole GiB or MiB", () => {
    expect(formatMemLimit(256 * 1024 ** 2)).toBe("256 MiB");
    expect(formatMemLimit(1024 ** 3)).toBe("1 GiB");
    expect(formatMemLimit(8 * 1024 ** 3)).toBe("8 GiB");
    expect(formatMemLimit(1.5 * 1024 ** 3)).toBe("1536 MiB");
    expect(formatMemLimit(Math.round(0.1 * 1024 ** 3))).toBe("102.4 MiB");
  });

  it("computes cores and memory as docker stats does", () => {
    const sample = (over: Record<string, unknown>) =>
      ({
        cpu_stats: { cpu_usage: { total_usage: 1_700_000_000 }, system_cpu_usage: 12_000_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000, online_cpus: 2 },
        memory_stats: { usage: 100, stats: { total_inactive_file: 30 } },
        ...over,
      }) as unknown as Parameters<typeof cpuCores>[0];
    expect(cpuCores(sample({}))).toBeCloseTo(0.7);
    expect(cpuCores(sample({ precpu_stats: {} }))).toBeCloseTo((1.7 / 12) * 2); // first sample: no previous one
    expect(memoryUsed(sample({}))).toBe(70); // cgroup v1
    expect(memoryUsed(sample({ memory_stats: { usage: 100, stats: { inactive_file: 40 } } }))).toBe(60); // cgroup v2
    expect(memoryUsed(sample({ memory_stats: {} }))).toBe(0);
  });
});

describe.skipIf(notReady !== undefined && !CI)("DockerSpawner (real engine)", () => {
  beforeAll(() => {
    if (notReady) throw new Error(`Docker integration tests cannot run in CI: ${notReady}`);
  });

  afterAll(async () => {
    for (const ref of refs) await spawner.remove(ref).catch(() => undefined);
    for (const user of users) await spawner.removeVolume(legacyVolumeName(user)).catch(() => undefined);
  }, 60_000);

  describe("spawner contract", () => {
    spawnerContract({
      label: "spawner/docker.test",
      spawner,
      fresh: () => new DockerSpawner(),
      dead: () => new DockerSpawner({ docker: new Dockerode({ socketPath: "/tmp/nope.sock" }) }),
      spec,
      jobSpec,
      run,
      objectId: async (ref: WorkloadRef) => (await docker.listContainers({ all: true, filters: { label: findLabels(ref) } }))[0]?.Id,
      createLegacy: async (s) => {
        const legacy = containerCreateOptions(s, { network: ISOLATED_NETWORK, publishHost: "127.0.0.1" });
        legacy.name = `atrium-${s.user}-${s.server}`;
        // Containers from before ids, kinds and ports carry none of them.
        for (const label of ["atrium.user-id", "atrium.kind", "atrium.port"]) delete legacy.Labels?.[label];
        await docker.createVolume({ Name: s.homeVolume });
        await (await docker.createContainer(legacy)).start();
      },
      oneOffs: async () => (await docker.listContainers({ all: true, filters: { label: ["atrium.purpose=run-in-image"] } })).length,
      // A container always keeps it: the contract then finds NoNewPrivs 1 inside.
      keepsNoNewPrivileges: () => Promise.resolve(true),
      readsFiles: true,
    });
  });

  it("creates the container with labels, limits, loopback-only port, host gateway and the home volume", async () => {
    const user = `${run}o`;
    const s = spec(user, "default", { command: ["sleep", "30"] });
    const started = await spawner.start(s);
    const info = await docker.getContainer(objectName(s.ref)).inspect();
    expect(started.url).toBe(`http://127.0.0.1:${info.NetworkSettings.Ports["8888/tcp"]?.[0]?.HostPort ?? "?"}`);
    expect(info.Config.Labels).toMatchObject({
      "atrium.user": user,
      "atrium.user-id": s.ownerId,
      "atrium.kind": "workspace",
      "atrium.port": "8888",
      "atrium.server": "default",
      "atrium.env": "test-env",
      "atrium.managed": "true",
    });
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(1024 ** 3);
    expect(info.HostConfig.MemorySwap).toBe(1024 ** 3);
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.ExtraHosts).toEqual(["host.docker.internal:host-gateway"]);
    expect(info.HostConfig.RestartPolicy?.Name).toBe("no");
    // The hardened spec (hardening.ts), the pids limit being the default when the spec names none.
    expect(info.HostConfig.PidsLimit).toBe(1024);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.CapAdd ?? null).toBeNull();
    expect(info.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.NetworkMode).toBe(ISOLATED_NETWORK);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([ISOLATED_NETWORK]);
    const net = await docker.getNetwork(ISOLATED_NETWORK).inspect();
    expect(net).toMatchObject({
      Driver: "bridge",
      Options: { "com.docker.network.bridge.enable_icc": "false" },
      Labels: { "atrium.managed": "true", "atrium.network": "isolated" },
    });
    expect(info.HostConfig.PortBindings).toEqual({ "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    const published = info.NetworkSettings.Ports["8888/tcp"] ?? [];
    expect(published.length).toBeGreaterThan(0);
    for (const b of published) expect(b.HostIp).toBe("127.0.0.1");
    expect(info.Config.User).toBe("jovyan"); // the image's user, not overridden
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: legacyVolumeName(user), Destination: "/home/jovyan" })]);
    // The token travels in the environment, never on the command line.
    expect(info.Config.Env).toContain(`JUPYTER_TOKEN=${s.token}`);
    expect(info.Config.Env).toContain(`JUPYTER_BASE_URL=${s.baseUrl}`);
    expect(info.Config.Env).toContain("ATRIUM_TEST=yes");
    expect(JSON.stringify([info.Path, info.Args, info.Config.Cmd])).not.toContain(s.token);
    const vol = await docker.getVolume(legacyVolumeName(user)).inspect();
    expect(vol.Labels).toMatchObject({ "atrium.user": user, "atrium.managed": "true" });
    await spawner.remove(s.ref);
  }, 30_000);

  it("keeps one person's workspace from reaching another's Jupyter, while each still reaches the host", async () => {
    const net = await import("node:net");
    // The portal's stand-in, on every interface as the portal listens; in this helper's port range when one is set.
    const listener = net.createServer((sock) => sock.end("portal\n"));
    const base = Number(process.env.E2E_PORT_BASE ?? "");
    await new Promise<void>((resolve) => listener.listen(Number.isInteger(base) && base > 0 ? base + 77 : 0, "0.0.0.0", resolve));
    const portalPort = (listener.address() as import("node:net").AddressInfo).port;
    const a = spec(`${run}ia`, "default", { command: ["sleep", "300"] });
    const b = spec(`${run}ib`, "default");
    try {
      await spawner.start(a);
      const startedB = await spawner.start(b);
      await waitForJupyterApi(startedB.url ?? "", b.baseUrl, b.token);
      const infoB = await docker.getContainer(objectName(b.ref)).inspect();
      const ipB = Object.values(infoB.NetworkSettings.Networks)[0]?.IPAddress ?? "";
      expect(ipB).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const publishedB = new URL(startedB.url ?? "").port;
      const probe = [
        "import socket, sys",
        "for host, port in [(sys.argv[1], 8888), ('host.docker.internal', int(sys.argv[2])), ('host.docker.internal', int(sys.argv[3]))]:",
        "  try: s = socket.create_connection((host, port), timeout=3)",
        "  except OSError: print('blocked'); continue",
        "  s.settimeout(3)",
        "  try: said = s.recv(100).decode().strip()",
        "  except OSError: said = ''",
        "  print('reached', said or 'silence'); s.close()",
      ].join("\n");
      const r = await spawner.exec(a.ref, ["python3", "-c", probe, ipB, publishedB, String(portalPort)]);
      // B's Jupyter by its address on the shared bridge, B's port published on the host's loopback, the portal.
      expect(await collectLines(r.output)).toEqual(["blocked", "blocked", "reached portal"]);
    } finally {
      await spawner.remove(a.ref);
      await spawner.remove(b.ref);
      await new Promise((resolve) => listener.close(resolve));
    }
  }, 90_000);

  it("creates a network it needs with its labels and options, and refuses a namesake that lacks them", async () => {
    const engine = new Engine({ docker });
    const fresh = { ...ISOLATED_BRIDGE, name: `atrium-test-${run}-made` };
    const unfit = { ...ISOLATED_BRIDGE, name: `atrium-test-${run}-plain` };
    await docker.createNetwork({ Name: unfit.name, Labels: { "atrium.test": run } });
    try {
      await ensureNetwork(engine, fresh);
      await ensureNetwork(engine, fresh); // there already: nothing to do
      expect(await docker.getNetwork(fresh.name).inspect()).toMatchObject({
        Driver: "bridge",
        Options: { "com.docker.network.bridge.enable_icc": "false" },
        Labels: { "atrium.managed": "true", "atrium.network": "isolated" },
      });
      await expect(ensureNetwork(engine, unfit)).rejects.toThrow(
        `The network ${unfit.name} exists but lacks the option com.docker.network.bridge.enable_icc=false; remove it once no container uses it, and Atrium creates it again with inter-container traffic off.`,
      );
    } finally {
      for (const name of [fresh.name, unfit.name])
        await docker
          .getNetwork(name)
          .remove()
          .catch(() => undefined);
    }
  });

  it("does not cut off a command that is quiet for longer than the request timeout", async () => {
    const s = spec(`${run}q`, "default", { command: ["sleep", "30"] });
    await spawner.start(s);
    const quiet = new DockerSpawner({ requestTimeoutMs: 1500 });
    const r = await quiet.exec(s.ref, ["sh", "-c", "sleep 3; echo late"]);
    expect(await collectLines(r.output)).toEqual(["late"]);
    expect(await r.exitCode).toBe(0);
    await spawner.remove(s.ref);
  }, 30_000);

  it("attaches to a user-defined network instead of publishing a port", async () => {
    const netName = `atrium-test-${run}`;
    await docker.createNetwork({ Name: netName, Labels: { "atrium.test": run } });
    try {
      const onNet = new DockerSpawner({ network: netName });
      const s = spec(`${run}g`, "default");
      const started = await onNet.start(s);
      expect(started.url).toBe(`http://${objectName(s.ref)}:8888`);
      const info = await docker.getContainer(objectName(s.ref)).inspect();
      expect(info.HostConfig.NetworkMode).toBe(netName);
      expect(info.HostConfig.PortBindings ?? {}).toEqual({});
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([netName]);
      // Reachable by name on that network (here from inside the container itself).
      const probe = [
        "import sys,time,urllib.request as u",
        "for i in range(120):",
        "  try:",
        `    r=u.urlopen(u.Request('${started.url}${s.baseUrl}api/status',headers={'Authorization':'token ${s.token}'}),timeout=2); print(r.status); sys.exit(0)`,
        "  except Exception as e: time.sleep(0.25)",
        "sys.exit(1)",
      ].join("\n");
      const r = await onNet.exec(s.ref, ["python3", "-c", probe]);
      expect(await collectLines(r.output)).toEqual(["200"]);
      expect(await r.exitCode).toBe(0);
      expect((await onNet.list()).find((l) => l.ownerName === s.user)?.url).toBe(started.url);
      await onNet.stop(s.ref);

      const missing = new DockerSpawner({ network: `${netName}-absent` });
      await expect(missing.start(spec(`${run}g`, "other"))).rejects.toMatchObject({ reason: "engine_error" });
      await missing.remove(spec(`${run}g`, "other").ref);
    } finally {
      await docker
        .getNetwork(netName)
        .remove()
        .catch(() => undefined);
    }
  }, 60_000);

  it("gives up on an engine that accepts connections but never answers", async () => {
    const net = await import("node:net");
    const path = `/tmp/atrium-hung-${run}.sock`;
    const sockets: import("node:net").Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const hung = new DockerSpawner({ docker: new Dockerode({ socketPath: path }), requestTimeoutMs: 500 });
      const t0 = Date.now();
      expect(await hung.ping()).toBe(false);
      await expect(hung.status(spec(`${run}h`, "default").ref)).rejects.toThrow(
        `The container engine at ${path} did not answer within 0.5 s.`,
      );
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
