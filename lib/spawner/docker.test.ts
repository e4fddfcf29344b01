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
import { demuxBuffer } from "./exec-lines";
import { ownContainerCandidates } from "./portal-container";
import { ISOLATED_BRIDGE, ISOLATED_NETWORK, ensureNetwork, workloadNetwork } from "./networks";
import { spawnerContract } from "./spawner-contract";
import { TEST_IMAGE, collectLines, jupyterReach, engineReadiness, specFactory, waitForJupyterApi } from "./testing";
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

  it("leaves one network when several processes create it at once (engines no longer refuse a duplicate name)", async () => {
    const want = { ...ISOLATED_BRIDGE, name: `atrium-test-${run}-raced` };
    try {
      // Separate engine clients, as separate portal or test processes are.
      await Promise.all(Array.from({ length: 6 }, () => ensureNetwork(new Engine({ docker: new Dockerode() }), want)));
      const named = (await docker.listNetworks({ filters: { name: [want.name] } })).filter((n) => n.Name === want.name);
      expect(named).toHaveLength(1);
    } finally {
      for (const n of await docker.listNetworks({ filters: { name: [want.name] } }))
        await docker
          .getNetwork(n.Id)
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

  it("puts each person's workloads on a network of their own that the portal's container joins (docker-compose)", async () => {
    // The compose network, and a container standing in for the portal on it under the alias "portal"
    // (what docker-compose.yml's portal service gets), answering "portal" on port 3000.
    const shared = `atrium-test-${run}`;
    await docker.createNetwork({ Name: shared, Labels: { "atrium.test": run } });
    const portalName = `atrium-test-${run}-portal`;
    const serve = [
      "import socket",
      "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('', 3000)); s.listen()",
      "while True:",
      "  c, _ = s.accept(); c.sendall(b'portal\\n'); c.close()",
    ].join("\n");
    const portal = await docker.createContainer({
      name: portalName,
      Image: TEST_IMAGE,
      Entrypoint: ["python3", "-c", serve],
      Labels: { "atrium.test": run },
      HostConfig: { NetworkMode: shared },
      NetworkingConfig: { EndpointsConfig: { [shared]: { Aliases: ["portal"] } } },
    });
    await portal.start();
    const engine = new Engine({ docker });
    const onNet = new DockerSpawner({ network: shared, portalContainer: portalName });
    const a = spec(`${run}ca`, "default");
    const b = spec(`${run}cb`, "default");
    const netA = workloadNetwork("personal-bridge", a.ownerId).name;
    const netB = workloadNetwork("personal-bridge", b.ownerId).name;
    const job = jobSpec(a.user, "net", ["true"]);
    try {
      const startedA = await onNet.start(a);
      const startedB = await onNet.start(b);
      expect(startedA.url).toBe(`http://${objectName(a.ref)}:8888`);
      expect(netA).not.toBe(netB);
      const infoA = await docker.getContainer(objectName(a.ref)).inspect();
      expect(infoA.HostConfig.NetworkMode).toBe(netA);
      expect(infoA.HostConfig.PortBindings ?? {}).toEqual({});
      expect(Object.keys(infoA.NetworkSettings.Networks)).toEqual([netA]);
      expect(await docker.getNetwork(netA).inspect()).toMatchObject({
        Driver: "bridge",
        Labels: { "atrium.managed": "true", "atrium.network": "personal", "atrium.user-id": a.ownerId },
      });
      // The portal's container joined both, under its name on its own network.
      const portalInfo = await portal.inspect();
      expect(Object.keys(portalInfo.NetworkSettings.Networks).sort()).toEqual([shared, netA, netB].sort());
      expect(portalInfo.NetworkSettings.Networks[netA]?.Aliases).toContain("portal");

      // The portal reaches both workspaces by name.
      const fetchStatus = [
        "import sys, time, urllib.request as u",
        "for url in sys.argv[1:]:",
        "  for i in range(120):",
        "    try: print(u.urlopen(url, timeout=2).status); break",
        "    except Exception: time.sleep(0.25)",
        "  else: print('unreached')",
      ].join("\n");
      const statusUrl = (url: string | undefined, s: typeof a) => `${url ?? ""}${s.baseUrl}api/status?token=${s.token}`;
      const fromPortal = await engine.exec(
        portalInfo.Id,
        ["python3", "-c", fetchStatus, statusUrl(startedA.url, a), statusUrl(startedB.url, b)],
        {},
        () => new Error("the portal's stand-in stopped"),
      );
      expect(await collectLines(fromPortal.output)).toEqual(["200", "200"]);
      expect((await onNet.list()).find((l) => l.ownerName === a.user)?.url).toBe(startedA.url);

      // A reaches the portal by the name it was given, and her own Jupyter by name (the probe works), but
      // not B's: neither by name nor by address.
      const ipB = (await docker.getContainer(objectName(b.ref)).inspect()).NetworkSettings.Networks[netB]?.IPAddress ?? "";
      expect(ipB).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const toPortal = await onNet.exec(a.ref, [
        "python3",
        "-c",
        "import socket; print(socket.create_connection(('portal', 3000), timeout=3).recv(100).decode().strip())",
      ]);
      expect(await collectLines(toPortal.output)).toEqual(["portal"]);
      const reached = await jupyterReach(onNet, a.ref, [
        [objectName(a.ref), a],
        [objectName(b.ref), b],
        [ipB, b],
      ]);
      expect(reached).toEqual(["jupyter", "blocked", "blocked"]);

      // A job of A's goes on A's network: one place decides, for every kind, by the spec's owner.
      expect(job.ownerId).toBe(a.ownerId);
      await onNet.start(job);
      expect((await docker.getContainer(objectName(job.ref)).inspect()).HostConfig.NetworkMode).toBe(netA);

      // Without its own container the portal could not reach a workspace: refused before anything is created.
      const lost = new DockerSpawner({ network: shared, portalContainer: `${portalName}-absent` });
      await expect(lost.start(spec(`${run}cc`, "default"))).rejects.toThrow(
        `The portal could not find its own container to join the person's network: the container ${portalName}-absent (ATRIUM_PORTAL_CONTAINER) does not exist or is not on ${shared}; set ATRIUM_PORTAL_CONTAINER to the portal container's name.`,
      );
      expect(await lost.status(spec(`${run}cc`, "default").ref)).toEqual({ state: "missing" });

      // A person's network goes once nothing of hers is on it, never before; the portal leaves it first.
      const netC = workloadNetwork("personal-bridge", `id-${run}cc`).name;
      expect(await onNet.removeIdleNetworks()).toEqual(expect.arrayContaining([netC]));
      await onNet.remove(job.ref);
      await onNet.remove(b.ref);
      const removed = await onNet.removeIdleNetworks();
      expect(removed).toContain(netB);
      expect(removed).not.toContain(netA);
      expect(Object.keys((await portal.inspect()).NetworkSettings.Networks).sort()).toEqual([shared, netA].sort());
      await onNet.remove(a.ref);
      expect(await onNet.removeIdleNetworks()).toEqual([netA]);
      expect(Object.keys((await portal.inspect()).NetworkSettings.Networks)).toEqual([shared]);
    } finally {
      await onNet.remove(job.ref).catch(() => undefined);
      await onNet.remove(a.ref);
      await onNet.remove(b.ref);
      await portal.remove({ force: true });
      const nets = [netA, netB, workloadNetwork("personal-bridge", `id-${run}cc`).name, shared];
      for (const name of nets)
        await docker
          .getNetwork(name)
          .remove()
          .catch(() => undefined);
    }
  }, 120_000);

  it("finds the container it runs in from its mount table, whatever its host name", async () => {
    const c = await docker.createContainer({
      Image: TEST_IMAGE,
      Hostname: "not-the-id",
      Entrypoint: ["cat", "/proc/self/mountinfo"],
      Labels: { "atrium.test": run },
    });
    try {
      await c.start();
      await c.wait();
      const { out } = demuxBuffer(await c.logs({ stdout: true, stderr: true }));
      expect(ownContainerCandidates(out, "not-the-id")).toEqual([c.id, "not-the-id"]);
      expect(ownContainerCandidates("", "bad name!")).toEqual([]); // on a host with an odd name: nothing to try
    } finally {
      await c.remove({ force: true });
    }
  });

  it("strips every setuid and setgid bit from an image (scripts/workspace-image/strip-setuid.sh), and the built test image carries none", async () => {
    const { readFile } = await import("node:fs/promises");
    const script = await readFile("scripts/workspace-image/strip-setuid.sh", "utf8");
    const find = ["find", "/", "-xdev", "-type", "f", "-perm", "/6000"];
    // build.sh ran the strip on the images it built (a Debian base ships su, passwd, mount… setuid).
    expect((await spawner.runInImage(TEST_IMAGE, find, 60_000)).stdout).toBe("");
    // As build.sh runs it: as root, inside the image's filesystem; on a copy given setuid and setgid files first.
    const [planted, stripped] = [`atrium-test-suid:${run}`, `atrium-test-nosuid:${run}`];
    const asRoot = async (image: string, cmd: string, into: string) => {
      const c = await docker.createContainer({ Image: image, User: "root", Entrypoint: ["sh", "-c", cmd], Labels: { "atrium.test": run } });
      try {
        await c.start();
        expect((await c.wait()) as { StatusCode: number }).toMatchObject({ StatusCode: 0 });
        const [repo, tag] = into.split(":");
        await c.commit({ repo, tag });
      } finally {
        await c.remove({ force: true });
      }
    };
    try {
      await asRoot(
        TEST_IMAGE,
        "cp /bin/true /usr/local/bin/su-like && chmod 4755 /usr/local/bin/su-like && chmod 2755 /usr/bin/env",
        planted,
      );
      expect((await spawner.runInImage(planted, find, 60_000)).stdout.split("\n").filter(Boolean).sort()).toEqual([
        "/usr/bin/env",
        "/usr/local/bin/su-like",
      ]);
      await asRoot(planted, script, stripped);
      expect((await spawner.runInImage(stripped, find, 60_000)).stdout).toBe("");
    } finally {
      for (const image of [stripped, planted])
        await docker
          .getImage(image)
          .remove()
          .catch(() => undefined);
    }
  }, 120_000);

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
