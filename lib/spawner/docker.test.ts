/**
 * DockerSpawner against the real engine and the real workspace image (scripts/workspace-image).
 * Without an engine or the image the suite is skipped with the reason printed; in CI it fails.
 */
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerSpawner, containerCreateOptions, containerName, cpuCores, formatMemLimit, memoryUsed, legacyVolumeName } from "./docker";
import { collectLines, specFactory, waitForJupyterApi, waitForStatus } from "./spawner-test-support";
import { engineReadiness, TEST_IMAGE } from "./testing";
import { EngineUnavailableError, ServerNotRunningError, SpawnError } from "./types";

const IMAGE = TEST_IMAGE;
const CI = Boolean(process.env.CI);

const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[spawner/docker.test] skipped: ${notReady}`);

const run = `t${Date.now().toString(36)}`;
const spawner = new DockerSpawner();
const docker = spawner.docker;
const { spec, users, refs } = specFactory();

describe("DockerSpawner helpers", () => {
  it("formats a memory limit in whole GiB or MiB", () => {
    expect(formatMemLimit(256 * 1024 ** 2)).toBe("256 MiB");
    expect(formatMemLimit(1024 ** 3)).toBe("1 GiB");
    expect(formatMemLimit(8 * 1024 ** 3)).toBe("8 GiB");
    expect(formatMemLimit(1.5 * 1024 ** 3)).toBe("1536 MiB");
    expect(formatMemLimit(Math.round(0.1 * 1024 ** 3))).toBe("102.4 MiB");
  });

  it("computes cores and memory as docker stats does", () => {
    const sample = (over: Record<string, unknown>) => ({
      cpu_stats: { cpu_usage: { total_usage: 1_700_000_000 }, system_cpu_usage: 12_000_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000, online_cpus: 2 },
      memory_stats: { usage: 100, stats: { total_inactive_file: 30 } },
      ...over,
    }) as unknown as Parameters<typeof cpuCores>[0];
    expect(cpuCores(sample({}))).toBeCloseTo(0.7);
    expect(cpuCores(sample({ precpu_stats: {} }))).toBeCloseTo(1.7 / 12 * 2); // first sample: no previous one
    expect(memoryUsed(sample({}))).toBe(70); // cgroup v1
    expect(memoryUsed(sample({ memory_stats: { usage: 100, stats: { inactive_file: 40 } } }))).toBe(60); // cgroup v2
    expect(memoryUsed(sample({ memory_stats: {} }))).toBe(0);
  });
});

describe.skipIf(notReady !== undefined && !CI)("DockerSpawner (real engine)", () => {
  const alice = `${run}a`;
  const main = spec(alice, "default");
  let firstId = "";
  let url = "";

  beforeAll(() => {
    if (notReady) throw new Error(`Docker integration tests cannot run in CI: ${notReady}`);
  });

  afterAll(async () => {
    for (const ref of refs) await spawner.remove(ref).catch(() => undefined);
    for (const user of users) await spawner.removeVolume(legacyVolumeName(user)).catch(() => undefined);
  }, 60_000);

  it("starts a workspace that answers api/status with the token and 403 without it", async () => {
    const events: string[] = [];
    const t0 = Date.now();
    const started = await spawner.start(main, (e) => events.push(e.phase));
    const startMs = Date.now() - t0;
    const readyMs = await waitForJupyterApi(started.url, main.baseUrl, main.token);
    console.info(`[spawner/docker.test] start() took ${startMs} ms; api/status answered ${readyMs} ms later (${startMs + readyMs} ms in all)`);

    expect(events).toEqual(["creating", "starting"]);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.state.containerName).toBe(containerName(main));
    expect(started.state.port).toBe(Number(new URL(started.url).port));
    firstId = started.state.containerId;
    url = started.url;

    const anon = await fetch(`${url}${main.baseUrl}api/status`);
    expect(anon.status).toBe(403);
    const body = (await (
      await fetch(`${url}${main.baseUrl}api/status`, { headers: { Authorization: `token ${main.token}` } })
    ).json()) as Record<string, unknown>;
    expect(body).toHaveProperty("started");

    expect(await spawner.status(main)).toMatchObject({ state: "running", startedAt: expect.any(String) });
  }, 60_000);

  it("creates the container with labels, limits, loopback-only port, host gateway and the home volume", async () => {
    const info = await docker.getContainer(firstId).inspect();
    expect(info.Config.Labels).toMatchObject({
      "atrium.user": alice,
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
    expect(info.HostConfig.PortBindings).toEqual({ "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    const published = info.NetworkSettings.Ports["8888/tcp"] ?? [];
    expect(published.length).toBeGreaterThan(0);
    for (const b of published) expect(b.HostIp).toBe("127.0.0.1");
    expect(info.Config.User).toBe("jovyan"); // the image's user, not overridden
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: legacyVolumeName(alice), Destination: "/home/jovyan" })]);
    // The token travels in the environment, never on the command line.
    expect(info.Config.Env).toContain(`JUPYTER_TOKEN=${main.token}`);
    expect(info.Config.Env).toContain(`JUPYTER_BASE_URL=${main.baseUrl}`);
    expect(info.Config.Env).toContain("ATRIUM_TEST=yes");
    expect(JSON.stringify([info.Path, info.Args, info.Config.Cmd])).not.toContain(main.token);
    const vol = await docker.getVolume(legacyVolumeName(alice)).inspect();
    expect(vol.Labels).toMatchObject({ "atrium.user": alice, "atrium.managed": "true" });
  });

  it("is idempotent: a second start returns the running container as is", async () => {
    const again = await spawner.start({ ...main, token: "another-token-ignored" });
    expect(again.state.containerId).toBe(firstId);
    expect(again.url).toBe(url);
  });

  it("streams exec output line by line with the exit code", async () => {
    const t0 = Date.now();
    const r = await spawner.exec(main, ["python3", "-c", "print(1);print(2);import sys;sys.exit(3)"]);
    expect(await collectLines(r.output)).toEqual(["1", "2"]);
    expect(await r.exitCode).toBe(3);
    console.info(`[spawner/docker.test] exec round trip ${Date.now() - t0} ms`);

    // stderr is interleaved, argv is passed as is (no shell), env and user are honoured.
    const r2 = await spawner.exec(
      main,
      ["python3", "-c", "import os,sys,time;print('out',flush=True);time.sleep(0.2);print('err',file=sys.stderr,flush=True);time.sleep(0.2);print(os.environ['X_TEST'], os.getuid(), sys.argv[1:])", "$HOME; echo no"],
      { env: { X_TEST: "a b;c" } },
    );
    // stdout and stderr are separate pipes: their relative order is only as good as the timing.
    expect(await collectLines(r2.output)).toEqual(["out", "err", "a b;c 1000 ['$HOME; echo no']"]);
    expect(await r2.exitCode).toBe(0);

    // Multi-byte characters across frame boundaries, a last line without a newline.
    const r2b = await spawner.exec(main, ["python3", "-c", "import sys; sys.stdout.write('\u00e9' * 50000 + '\\nlast')"]);
    expect(await collectLines(r2b.output)).toEqual(["\u00e9".repeat(50000), "last"]);

    const r3 = await spawner.exec(main, ["id", "-u"], { user: "root" });
    expect(await collectLines(r3.output)).toEqual(["0"]);

    // Nobody reads the output: the exit code still arrives.
    const r4 = await spawner.exec(main, ["sh", "-c", "seq 1 20000; exit 7"]);
    expect(await r4.exitCode).toBe(7);

    // Reading stops early: the exit code still arrives.
    const r5 = await spawner.exec(main, ["sh", "-c", "seq 1 1000; exit 4"]);
    for await (const line of r5.output) if (line === "3") break;
    expect(await r5.exitCode).toBe(4);

    // A command that is quiet for longer than the request timeout is not cut off.
    const quiet = new DockerSpawner({ requestTimeoutMs: 1500 });
    const r6 = await quiet.exec(main, ["sh", "-c", "sleep 3; echo late"]);
    expect(await collectLines(r6.output)).toEqual(["late"]);
    expect(await r6.exitCode).toBe(0);
  }, 30_000);

  it("reads one stats sample", async () => {
    const s = await spawner.stats(main);
    expect(s.memBytes).toBeGreaterThan(0);
    expect(s.memBytes).toBeLessThan(1024 ** 3);
    expect(s.cpu).toBeGreaterThanOrEqual(0);
    expect(s.cpu).toBeLessThanOrEqual(2);
  });

  it("lists the servers it manages", async () => {
    const listed = await spawner.list();
    const mine = listed.find((l) => l.user === alice && l.server === "default");
    expect(mine).toMatchObject({
      environment: "test-env",
      state: { containerId: firstId, containerName: containerName(main), port: Number(new URL(url).port) },
      status: { state: "running" },
      url,
    });
  });

  it("keeps the home volume across stop and start", async () => {
    const w = await spawner.exec(main, ["sh", "-c", "echo hi > ~/f.txt"]);
    expect(await w.exitCode).toBe(0);

    await spawner.stop(main);
    expect(await spawner.status(main)).toEqual({ state: "stopped" });
    const vol = await docker.getVolume(legacyVolumeName(alice)).inspect();
    expect(vol.Name).toBe(legacyVolumeName(alice));
    await expect(spawner.exec(main, ["true"])).rejects.toBeInstanceOf(ServerNotRunningError);
    await expect(spawner.stats(main)).rejects.toBeInstanceOf(ServerNotRunningError);
    await spawner.stop(main); // stopping a stopped server is a no-op

    const again = await spawner.start(main);
    expect(again.state.containerId).not.toBe(firstId);
    const r = await spawner.exec(main, ["cat", "/home/jovyan/f.txt"]);
    expect(await collectLines(r.output)).toEqual(["hi"]);
    expect(await r.exitCode).toBe(0);
  }, 60_000);

  it("replaces a leftover exited container and reports why it exited", async () => {
    const bob = `${run}b`;
    const s = spec(bob, "crash", { cmd: ["sh", "-c", "echo starting at {baseUrl} on {port}; echo 'boom: no such module' >&2; exit 2"] });
    let failure: SpawnError | undefined;
    await spawner.start(s).catch((err: unknown) => {
      expect(err).toBeInstanceOf(SpawnError);
      failure = err as SpawnError;
    });
    const st = await waitForStatus(spawner, s, (x) => x.state === "failed", 10_000);
    expect(st).toEqual({ state: "failed", reason: "exited with code 2: boom: no such module", exitCode: 2 });
    if (failure) expect(failure.failure).toMatchObject({ exitCode: 2 });
    const logs = await docker.getContainer(containerName(s)).logs({ stdout: true, stderr: true, follow: false });
    expect(logs.toString()).toContain(`starting at /user/${bob}/crash/ on 8888`);

    const listed = (await spawner.list()).find((l) => l.user === bob);
    expect(listed?.status).toMatchObject({ state: "failed", exitCode: 2 });

    // The next start removes the leftover first and makes a new container.
    const old = await docker.getContainer(containerName(s)).inspect();
    await spawner.start({ ...s, cmd: ["sleep", "30"] }).catch(() => undefined);
    const fresh = await docker.getContainer(containerName(s)).inspect();
    expect(fresh.Id).not.toBe(old.Id);
    expect(fresh.State.Running).toBe(true);

    await spawner.remove(s);
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
  }, 30_000);

  it("reports an out-of-memory kill with the limit", async () => {
    const carol = `${run}c`;
    const s = spec(carol, "oom", {
      memGb: 0.25,
      cmd: ["python3", "-c", "x = bytearray(1024*1024*1024); import time; time.sleep(60)"],
    });
    const t0 = Date.now();
    await spawner.start(s).catch((err: unknown) => {
      // It may already be dead when start() looks; then start() says so.
      expect(err).toBeInstanceOf(SpawnError);
      expect((err as SpawnError).message).toBe("The server stopped right after it started: out of memory (limit 256 MiB).");
      expect((err as SpawnError).failure).toMatchObject({ oomKilled: true });
    });
    const st = await waitForStatus(spawner, s, (x) => x.state === "failed", 20_000);
    console.info(`[spawner/docker.test] OOM reported after ${Date.now() - t0} ms: ${JSON.stringify(st)}`);
    expect(st).toMatchObject({ state: "failed", oomKilled: true, reason: "out of memory (limit 256 MiB)" });
    const info = await docker.getContainer(containerName(s)).inspect();
    expect(info.HostConfig.Memory).toBe(256 * 1024 ** 2);
    expect(info.HostConfig.MemorySwap).toBe(256 * 1024 ** 2);

    await spawner.remove(s);
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
    await spawner.remove(s); // nothing left: still fine
  }, 30_000);

  it("refuses a missing image without pulling", async () => {
    const s = spec(`${run}d`, "default", { image: `atrium-no-such-image-${run}:1` });
    const err = await spawner.start(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpawnError);
    expect(err).not.toBeInstanceOf(EngineUnavailableError);
    expect((err as SpawnError).reason).toBe("image_missing");
    expect((err as SpawnError).message).toBe(`The image "${s.image}" is not on the engine; an admin has to build or pull it.`);
    expect(await spawner.imageInfo(s.image)).toEqual({ present: false });
    expect(await spawner.imageInfo(IMAGE)).toMatchObject({ present: true, id: expect.stringMatching(/^sha256:/) });
    expect(await spawner.status(s)).toEqual({ state: "stopped" });
  });

  it("gives (sec, alice-w5) and (sec-alice, w5) different containers: one person cannot squat another's name", async () => {
    // With atrium-<user>-<server> both were "atrium-<u>-x-y": the second person's start failed, or
    // whoever started first held the other's name.
    const u = `${run}e`;
    const a = spec(u, "x-y", { cmd: ["sleep", "30"] });
    const b = spec(`${u}-x`, "y", { cmd: ["sleep", "30"] });
    expect(containerName(a)).not.toBe(containerName(b));
    await spawner.start(a);
    expect(await spawner.status(b)).toEqual({ state: "stopped" });
    await spawner.stop(b); // nothing of b's: a is left alone
    expect(await spawner.status(a)).toMatchObject({ state: "running" });
    await spawner.start(b);
    expect(await spawner.status(b)).toMatchObject({ state: "running" });
    await spawner.remove(a);
    expect(await spawner.status(a)).toEqual({ state: "stopped" });
    expect(await spawner.status(b)).toMatchObject({ state: "running" });
    await spawner.remove(b);
  }, 30_000);

  it("adopts, stops and removes a container made under the old name, by its labels", async () => {
    const s = spec(`${run}l`, "old-one", { cmd: ["sleep", "30"] });
    const legacy = containerCreateOptions(s, { publishHost: "127.0.0.1" });
    legacy.name = `atrium-${s.user}-${s.server}`;
    delete legacy.Labels?.["atrium.user-id"]; // containers from before ids carry none
    await docker.createVolume({ Name: s.homeVolume });
    const c = await docker.createContainer(legacy);
    await c.start();
    expect(await spawner.status(s)).toMatchObject({ state: "running" });
    expect((await spawner.list()).find((x) => x.user === s.user)).toMatchObject({ server: "old-one", state: { containerId: c.id, containerName: legacy.name } });
    await spawner.stop(s);
    await expect(c.inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 30_000);

  it("never hands a deleted person's container to a new person of the same name", async () => {
    const old = spec(`${run}n`, "default", { cmd: ["sleep", "30"], userId: "id-old" });
    const fresh = { ...old, userId: "id-new", token: "other-token" };
    const first = await spawner.start(old);
    await expect(spawner.start(fresh)).rejects.toMatchObject({ reason: "engine_error" });
    const info = await docker.getContainer(first.state.containerId).inspect();
    expect(info.Config.Labels["atrium.user-id"]).toBe("id-old");
    expect((await spawner.list()).find((x) => x.user === old.user)?.userId).toBe("id-old");
    await spawner.remove(old);
  }, 30_000);

  it("attaches to a user-defined network instead of publishing a port", async () => {
    const netName = `atrium-test-${run}`;
    await docker.createNetwork({ Name: netName, Labels: { "atrium.test": run } });
    try {
      const onNet = new DockerSpawner({ network: netName });
      const s = spec(`${run}g`, "default");
      const started = await onNet.start(s);
      expect(started.url).toBe(`http://${containerName(s)}:8888`);
      expect(started.state.port).toBeUndefined();
      const info = await docker.getContainer(started.state.containerId).inspect();
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
      const r = await onNet.exec(s, ["python3", "-c", probe]);
      expect(await collectLines(r.output)).toEqual(["200"]);
      expect(await r.exitCode).toBe(0);
      expect((await onNet.list()).find((l) => l.user === s.user)?.url).toBe(started.url);
      await onNet.stop(s);

      const missing = new DockerSpawner({ network: `${netName}-absent` });
      await expect(missing.start(spec(`${run}g`, "other"))).rejects.toMatchObject({ reason: "engine_error" });
      await missing.remove({ user: `${run}g`, server: "other" });
    } finally {
      await docker.getNetwork(netName).remove().catch(() => undefined);
    }
  }, 60_000);

  it("reports an unreachable engine quickly, from every method", async () => {
    const dead = new DockerSpawner({ docker: new Dockerode({ socketPath: "/tmp/nope.sock" }) });
    const t0 = Date.now();
    expect(await dead.ping()).toBe(false);
    const err = await dead.start(spec(`${run}f`, "default")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as EngineUnavailableError).message).toBe(
      "The container engine is not reachable: the socket /tmp/nope.sock does not exist (is dockerd running?).",
    );
    expect((err as SpawnError).reason).toBe("engine_unavailable");
    const ref = { user: alice, server: "default" };
    await expect(dead.status(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.stop(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.remove(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.list()).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.exec(ref, ["true"])).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.stats(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.imageInfo(IMAGE)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.removeVolume(legacyVolumeName(alice))).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

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
      await expect(hung.status({ user: alice, server: "default" })).rejects.toThrow(
        `The container engine at ${path} did not answer within 0.5 s.`,
      );
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
