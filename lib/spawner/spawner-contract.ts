/**
 * What every Spawner backend must do for every kind of workload, as tests: docker.test.ts and
 * swarm.test.ts run this same suite against the real engine and the real one-node swarm, so a
 * workload behaves the same whichever backend is configured. A workspace (kind "workspace", runs
 * until stopped, reached on a port) and a job execution (kind "job", runs to completion, no port)
 * go through the same methods. Call it inside the backend's describe; the cases share one running
 * workspace and run in order.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { DEFAULT_EXEC_LIMIT } from "./bounded-output";
import { FORK_BOMB } from "./fork-bomb";
import { DEFAULT_PIDS_LIMIT } from "./hardening";
import { objectName } from "./kinds";
import { TEST_IMAGE, collectLines, type TestSpec, type specFactory, waitForJupyterApi, waitForStatus } from "./testing";
import { EngineUnavailableError, NotRunningError, SpawnError, type Spawner, type WorkloadRef } from "./types";

export interface SpawnerContractHooks {
  /** In the timing lines: "spawner/docker.test". */
  label: string;
  spawner: Spawner;
  /** Another instance of the same backend on the same engine: a restarted portal. */
  fresh(): Spawner;
  /** The same backend on a socket that does not exist. */
  dead(): Spawner;
  spec: ReturnType<typeof specFactory>["spec"];
  jobSpec: ReturnType<typeof specFactory>["jobSpec"];
  /** Whether file() reaches an ended job's filesystem (docker: yes; swarm: the task may be on another node). */
  readsFiles: boolean;
  /** A prefix no earlier run used, for user names. */
  run: string;
  /** The engine's id of ref's object (container or service), undefined when there is none. */
  objectId(ref: WorkloadRef): Promise<string | undefined>;
  /** Creates and starts spec's object as a portal from before injective names did: atrium-<user>-<server>, no user id label. */
  createLegacy(spec: TestSpec): Promise<void>;
  /** The number of one-off containers (atrium.purpose=run-in-image) on the engine. */
  oneOffs(): Promise<number>;
  /**
   * Whether the engine kept no-new-privileges on ref's object: always for a container; for a swarm
   * service only where the engine's API knows Privileges.NoNewPrivileges (hardening.ts).
   */
  keepsNoNewPrivileges(ref: WorkloadRef): Promise<boolean>;
}

/**
 * Prints what the kernel says about the process it runs in: its capability sets, no_new_privs, and
 * its cgroup's pids limit (cgroup v1 or v2).
 */
const SHOW_HARDENING = [
  "sh",
  "-c",
  "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max",
];

function hardeningLines(pids: number, noNewPrivs: boolean): string[] {
  return ["CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", `NoNewPrivs:\t${noNewPrivs ? 1 : 0}`, String(pids)];
}

const startError = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

export function spawnerContract(h: SpawnerContractHooks): void {
  const { spawner, spec, jobSpec, run } = h;
  const main = spec(`${run}a`, "default");
  /** Whether the engine kept no-new-privileges on a workspace (the hardening case finds out). */
  let noNewPrivs = true;
  let url = "";
  let firstId: string | undefined;

  it("starts a workspace that answers api/status with the token and 403 without it", async () => {
    const events: string[] = [];
    const t0 = Date.now();
    const started = await spawner.start(main, (e) => events.push(e.phase));
    const startMs = Date.now() - t0;
    const readyMs = await waitForJupyterApi(started.url ?? "", main.baseUrl, main.token);
    console.info(`[${h.label}] start() took ${startMs} ms; api/status answered ${readyMs} ms later (${startMs + readyMs} ms in all)`);
    expect(events).toEqual(["creating", "starting"]);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    url = started.url ?? "";
    firstId = await h.objectId(main.ref);
    expect(firstId).toBeDefined();

    expect((await fetch(`${url}${main.baseUrl}api/status`)).status).toBe(403);
    const body = (await (
      await fetch(`${url}${main.baseUrl}api/status`, { headers: { Authorization: `token ${main.token}` } })
    ).json()) as Record<string, unknown>;
    expect(body).toHaveProperty("started");
    expect(await spawner.status(main.ref)).toMatchObject({ state: "running", startedAt: expect.any(String) });
  }, 90_000);

  it("is idempotent: a second start returns the running server as is", async () => {
    const events: string[] = [];
    const again = await spawner.start(spec(main.user, main.server, { token: "another-token-ignored" }), (e) => events.push(e.phase));
    expect(again.url).toBe(url);
    expect(events).toEqual([]);
    expect(await h.objectId(main.ref)).toBe(firstId);
  });

  it("streams exec output line by line with the exit code, argv as is, env and user honoured", async () => {
    const t0 = Date.now();
    const r = await spawner.exec(main.ref, ["python3", "-c", "print(1);print(2);import sys;sys.exit(3)"]);
    expect(await collectLines(r.output)).toEqual(["1", "2"]);
    expect(await r.exitCode).toBe(3);
    console.info(`[${h.label}] exec round trip ${Date.now() - t0} ms`);

    const r2 = await spawner.exec(
      main.ref,
      [
        "python3",
        "-c",
        "import os,sys,time;print('out',flush=True);time.sleep(0.2);print('err',file=sys.stderr,flush=True);time.sleep(0.2);print(os.environ['X_TEST'], os.getuid(), sys.argv[1:])",
        "$HOME; echo no",
      ],
      { env: { X_TEST: "a b;c" } },
    );
    // stdout and stderr are separate pipes: their relative order is only as good as the timing.
    expect(await collectLines(r2.output)).toEqual(["out", "err", "a b;c 1000 ['$HOME; echo no']"]);
    expect(await r2.exitCode).toBe(0);

    // Multi-byte characters across frame boundaries, a last line without a newline.
    const r3 = await spawner.exec(main.ref, ["python3", "-c", "import sys; sys.stdout.write('\u00e9' * 50000 + '\\nlast')"]);
    expect(await collectLines(r3.output)).toEqual(["\u00e9".repeat(50000), "last"]);

    const root = await spawner.exec(main.ref, ["id", "-u"], { user: "root" });
    expect(await collectLines(root.output)).toEqual(["0"]);

    // Nobody reads the output, or reading stops early: the exit code still arrives.
    expect(await (await spawner.exec(main.ref, ["sh", "-c", "seq 1 20000; exit 7"])).exitCode).toBe(7);
    const r5 = await spawner.exec(main.ref, ["sh", "-c", "seq 1 1000; exit 4"]);
    for await (const line of r5.output) if (line === "3") break;
    expect(await r5.exitCode).toBe(4);

    await expect(spawner.exec(main.ref, [])).rejects.toBeInstanceOf(TypeError);
  }, 30_000);

  it("reads one stats sample", async () => {
    const s = await spawner.stats(main.ref);
    expect(s.memBytes).toBeGreaterThan(0);
    expect(s.memBytes).toBeLessThan(1024 ** 3);
    expect(s.cpu).toBeGreaterThanOrEqual(0);
    expect(s.cpu).toBeLessThanOrEqual(2);
  });

  it("lists the workloads it manages from their labels alone, as a restarted portal sees them", async () => {
    const mine = (await h.fresh().list()).find((l) => l.ref.kind === "workspace" && l.ref.id === main.ref.id);
    expect(mine).toEqual({
      ref: main.ref,
      ownerId: main.ownerId,
      ownerName: main.user,
      labels: expect.objectContaining({
        "atrium.managed": "true",
        "atrium.kind": "workspace",
        "atrium.user": main.user,
        "atrium.user-id": main.ownerId,
        "atrium.server": "default",
        "atrium.env": "test-env",
        "atrium.port": "8888",
      }) as unknown,
      status: { state: "running", startedAt: expect.any(String) },
      url,
    });
  });

  it("keeps the home volume and a file in it across stop and start", async () => {
    const w = await spawner.exec(main.ref, ["sh", "-c", "echo hi > ~/f.txt"]);
    expect(await w.exitCode).toBe(0);

    await spawner.stop(main.ref);
    expect(await spawner.status(main.ref)).toEqual({ state: "missing" });
    expect(await h.objectId(main.ref)).toBeUndefined();
    await expect(spawner.exec(main.ref, ["true"])).rejects.toBeInstanceOf(NotRunningError);
    await expect(spawner.stats(main.ref)).rejects.toThrow(`The server ${main.user}/default is not running.`);
    await spawner.stop(main.ref); // stopping a stopped server is a no-op

    const again = await spawner.start(main);
    expect(await h.objectId(main.ref)).not.toBe(firstId);
    await waitForJupyterApi(again.url ?? "", main.baseUrl, main.token);
    const r = await spawner.exec(main.ref, ["cat", "/home/jovyan/f.txt"]);
    expect(await collectLines(r.output)).toEqual(["hi"]);
    expect(await r.exitCode).toBe(0);
    await spawner.stop(main.ref);
  }, 90_000);

  it("reports why a server exited, with {baseUrl} and {port} substituted, and replaces the leftover", async () => {
    const s = spec(`${run}b`, "crash", { command: ["sh", "-c", "echo 'boom at {baseUrl} on {port}' >&2; exit 2"] });
    const failure = { state: "failed", reason: `exited with code 2: boom at /user/${s.user}/crash/ on 8888`, exitCode: 2 };
    // Either start() saw it die, or it ran for a moment and status() sees it now.
    const err = await startError(spawner.start(s));
    if (err) expect(err).toMatchObject({ reason: "engine_error", failure });
    expect(await waitForStatus(spawner, s.ref, (x) => x.state === "failed", 15_000)).toEqual(failure);
    expect((await spawner.list()).find((l) => l.ownerName === s.user)?.status).toEqual(failure);

    const old = await h.objectId(s.ref);
    await spawner.start(spec(s.user, s.server, { command: ["sleep", "60"] }));
    expect(await h.objectId(s.ref)).not.toBe(old);
    expect(await spawner.status(s.ref)).toMatchObject({ state: "running" });
    await spawner.remove(s.ref);
    expect(await spawner.status(s.ref)).toEqual({ state: "missing" });
    await spawner.remove(s.ref); // nothing left: still fine
  }, 60_000);

  it("reports an out-of-memory kill with the limit (256 MiB, allocating 1 GiB)", async () => {
    const s = spec(`${run}c`, "oom", {
      memGb: 0.25,
      command: ["python3", "-c", "x = bytearray(1024*1024*1024); import time; time.sleep(60)"],
    });
    const t0 = Date.now();
    const err = await startError(spawner.start(s));
    if (err) {
      expect(err).toBeInstanceOf(SpawnError);
      expect((err as SpawnError).failure).toMatchObject({ reason: "out of memory (limit 256 MiB)", oomKilled: true });
    }
    const st = await waitForStatus(spawner, s.ref, (x) => x.state === "failed", 20_000);
    console.info(`[${h.label}] OOM reported after ${Date.now() - t0} ms: ${JSON.stringify(st)}`);
    expect(st).toEqual({ state: "failed", reason: "out of memory (limit 256 MiB)", exitCode: 137, oomKilled: true });
    await spawner.remove(s.ref);
    expect(await spawner.status(s.ref)).toEqual({ state: "missing" });
  }, 60_000);

  it("refuses a missing image without pulling or creating anything", async () => {
    const s = spec(`${run}d`, "default", { image: `atrium-no-such-image-${run}:1` });
    const err = await startError(spawner.start(s));
    expect(err).toBeInstanceOf(SpawnError);
    expect(err).not.toBeInstanceOf(EngineUnavailableError);
    expect(err).toMatchObject({
      reason: "image_missing",
      message: `The image "${s.image}" is not on the engine; an admin has to build or pull it.`,
    });
    expect(await h.objectId(s.ref)).toBeUndefined();
    expect(await spawner.imageInfo(s.image)).toEqual({ present: false });
    expect(await spawner.imageInfo(TEST_IMAGE)).toMatchObject({ present: true, id: expect.stringMatching(/^sha256:/) });
    expect(await spawner.status(s.ref)).toEqual({ state: "missing" });
  });

  it("gives (sec, alice-w5) and (sec-alice, w5) different objects: one person cannot squat another's name", async () => {
    // With atrium-<user>-<server> both were "atrium-<u>-x-y".
    const a = spec(`${run}e`, "x-y", { command: ["sleep", "60"] });
    const b = spec(`${run}e-x`, "y", { command: ["sleep", "60"] });
    expect(objectName(a.ref)).not.toBe(objectName(b.ref));
    await spawner.start(a);
    expect(await spawner.status(b.ref)).toEqual({ state: "missing" });
    await spawner.stop(b.ref); // nothing of b's: a is left alone
    expect(await spawner.status(a.ref)).toMatchObject({ state: "running" });
    await spawner.start(b);
    expect(await spawner.status(b.ref)).toMatchObject({ state: "running" });
    await spawner.remove(a.ref);
    expect(await spawner.status(a.ref)).toEqual({ state: "missing" });
    expect(await spawner.status(b.ref)).toMatchObject({ state: "running" });
    await spawner.remove(b.ref);
  }, 60_000);

  it("adopts, lists and stops an object made under the old name, by its labels", async () => {
    const s = spec(`${run}l`, "old-one", { command: ["sleep", "60"] });
    await h.createLegacy(s);
    expect(await waitForStatus(spawner, s.ref, (x) => x.state === "running", 30_000)).toMatchObject({ state: "running" });
    const listed = (await spawner.list()).find((x) => x.ownerName === s.user);
    expect(listed).toMatchObject({ ref: s.ref, labels: { "atrium.server": "old-one" }, status: { state: "running" } });
    expect(listed?.ownerId).toBeUndefined();
    expect(await h.objectId(s.ref)).toBeDefined();
    await spawner.stop(s.ref);
    expect(await h.objectId(s.ref)).toBeUndefined();
  }, 60_000);

  it("never hands a deleted person's object to a new person of the same name", async () => {
    const old = spec(`${run}n`, "default", { command: ["sleep", "60"], ownerId: "id-old" });
    await spawner.start(old);
    const id = await h.objectId(old.ref);
    await expect(spawner.start(spec(old.user, old.server, { ownerId: "id-new", token: "other-token" }))).rejects.toMatchObject({
      reason: "engine_error",
    });
    expect(await h.objectId(old.ref)).toBe(id);
    expect((await spawner.list()).find((x) => x.ownerName === old.user)?.ownerId).toBe("id-old");
    await spawner.remove(old.ref);
  }, 60_000);

  it("runs a one-off command in an image without network and leaves nothing behind", async () => {
    const before = await h.oneOffs();
    const r = await spawner.runInImage(
      TEST_IMAGE,
      [
        "python3",
        "-c",
        "import socket,sys; print('out'); print('err', file=sys.stderr); print(sorted(n for _, n in socket.if_nameindex())); sys.exit(5)",
      ],
      30_000,
    );
    expect(r).toEqual({ exitCode: 5, stdout: "out\n['lo']\n", stderr: "err\n" });
    expect(await h.oneOffs()).toBe(before);

    const t0 = Date.now();
    const slow = await startError(spawner.runInImage(TEST_IMAGE, ["sleep", "30"], 1_000));
    expect(slow).toBeInstanceOf(SpawnError);
    expect((slow as SpawnError).message).toBe(`The command in ${TEST_IMAGE} did not end within 1 s.`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await h.oneOffs()).toBe(before);

    await expect(spawner.runInImage(`atrium-no-such-image-${run}:1`, ["true"], 5_000)).rejects.toMatchObject({ reason: "image_missing" });
    await expect(spawner.runInImage(TEST_IMAGE, [], 5_000)).rejects.toBeInstanceOf(TypeError);
  }, 60_000);

  it("runs a workspace with every capability dropped, no new privileges and its pids limit", async () => {
    const s = spec(`${run}p`, "pids", { command: ["sleep", "300"], pids: 48 });
    await spawner.start(s);
    noNewPrivs = await h.keepsNoNewPrivileges(s.ref);
    const shown = await spawner.exec(s.ref, SHOW_HARDENING);
    expect(await collectLines(shown.output)).toEqual(hardeningLines(48, noNewPrivs));
    // A root exec is uid 0 without any capability: it cannot read a file only its owner may.
    expect(await (await spawner.exec(s.ref, ["sh", "-c", "echo secret > ~/own.txt && chmod 600 ~/own.txt"])).exitCode).toBe(0);
    // stderr into stdout, so the lines keep the order they were written in.
    const root = await spawner.exec(s.ref, ["sh", "-c", "id -u; grep '^CapEff:' /proc/self/status; cat /home/jovyan/own.txt 2>&1"], {
      user: "root",
    });
    expect(await collectLines(root.output)).toEqual(["0", "CapEff:\t0000000000000000", "cat: /home/jovyan/own.txt: Permission denied"]);
    expect(await root.exitCode).toBe(1);

    // A fork bomb stops at the limit, inside the container only.
    const bomb = await spawner.exec(s.ref, FORK_BOMB);
    const [made, why] = (await collectLines(bomb.output)).join(" ").split(" ");
    expect(why).toBe("EAGAIN");
    expect(Number(made)).toBeLessThan(48);
    expect(await bomb.exitCode).toBe(0);
    // The engine and another container still answer.
    expect(await spawner.ping()).toBe(true);
    const other = spec(`${run}p`, "neighbour", { command: ["sleep", "300"] });
    await spawner.start(other);
    const echo = await spawner.exec(other.ref, ["echo", "alive"]);
    expect(await collectLines(echo.output)).toEqual(["alive"]);
    const shownDefault = await spawner.exec(other.ref, SHOW_HARDENING);
    expect((await collectLines(shownDefault.output)).at(-1)).toBe(String(DEFAULT_PIDS_LIMIT));
    await spawner.remove(s.ref);
    await spawner.remove(other.ref);
  }, 90_000);

  it("runs a job to completion through the same methods and the same hardened spec: status, logs, files, list, one run, remove", async () => {
    const show = `${SHOW_HARDENING[2]}; mkdir -p /tmp/out && echo kept > /tmp/out/f.txt; pwd`;
    const ok = jobSpec(`${run}k`, "ok", ["sh", "-c", show], { pids: 40 });
    const bad = jobSpec(`${run}k`, "bad", ["python3", "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"]);
    try {
      expect(await spawner.status(ok.ref)).toEqual({ state: "missing" });
      expect(await spawner.start(ok)).toEqual({});
      await spawner.start(bad);
      expect(await waitForStatus(spawner, ok.ref, (x) => x.state !== "running", 60_000)).toEqual({ state: "succeeded" });
      const failure = { state: "failed", reason: "exited with code 3: boom", exitCode: 3 };
      expect(await waitForStatus(spawner, bad.ref, (x) => x.state !== "running", 60_000)).toEqual(failure);
      // Its one run: a second start neither replaces nor reruns it.
      const id = await h.objectId(ok.ref);
      expect(await spawner.start(ok)).toEqual({});
      expect(await h.objectId(ok.ref)).toBe(id);

      // A swarm service's log can trail its task's end by a moment.
      const read = () => spawner.logs(ok.ref, { follow: false, limit: DEFAULT_EXEC_LIMIT }).then(collectLines);
      let lines = await read();
      for (let i = 0; i < 40 && lines.length < 5; i++) lines = await new Promise((r) => setTimeout(r, 250)).then(read);
      // A job's object has a workspace's hardened spec: no-new-privileges as the engine kept it there.
      expect(lines).toEqual([...hardeningLines(40, noNewPrivs), "/home/jovyan"]);
      expect(await fileText(spawner, ok.ref, "/tmp/out/f.txt")).toBe(h.readsFiles ? "kept\n" : undefined);
      expect(await fileText(spawner, ok.ref, "/tmp/out/absent.txt")).toBeUndefined();

      const listed = (await h.fresh().list()).filter((l) => l.ref.kind === "job" && l.ownerName === ok.ownerName);
      expect(listed.map((l) => [l.ref.id, l.status.state, l.ownerId, l.url]).sort()).toEqual([
        [bad.ref.id, "failed", bad.ownerId, undefined],
        [ok.ref.id, "succeeded", ok.ownerId, undefined],
      ]);
      expect(listed[0]?.labels).toMatchObject({ "atrium.kind": "job", "atrium.execution": listed[0]?.ref.id, "atrium.env": "test-env" });
      await expect(spawner.exec(ok.ref, ["true"])).rejects.toThrow(`The job execution ${ok.ref.id} is not running.`);
    } finally {
      await spawner.remove(ok.ref);
      await spawner.remove(bad.ref);
    }
    expect(await spawner.status(ok.ref)).toEqual({ state: "missing" });
    expect(await h.objectId(ok.ref)).toBeUndefined();
    expect(await collectLines(await spawner.logs(ok.ref, { follow: false, limit: DEFAULT_EXEC_LIMIT }))).toEqual([]);
    expect(await fileText(spawner, ok.ref, "/tmp/out/f.txt")).toBeUndefined();

    // A one-off image command too.
    const once = await spawner.runInImage(TEST_IMAGE, SHOW_HARDENING, 30_000);
    expect(once).toEqual({ exitCode: 0, stdout: `${hardeningLines(DEFAULT_PIDS_LIMIT, true).join("\n")}\n`, stderr: "" });
  }, 120_000);

  it("reports the CPUs and memory of the engine's machine", async () => {
    const { cpu, memBytes } = await spawner.capacity();
    expect(Number.isInteger(cpu) && cpu >= 1).toBe(true);
    expect(memBytes).toBeGreaterThan(256 * 1024 ** 2);
  });

  it("reports an unreachable engine quickly, from every method", async () => {
    const dead = h.dead();
    const t0 = Date.now();
    expect(await dead.ping()).toBe(false);
    const err = await startError(dead.start(spec(`${run}f`, "default")));
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as EngineUnavailableError).message).toBe(
      "The container engine is not reachable: the socket /tmp/nope.sock does not exist (is dockerd running?).",
    );
    expect((err as SpawnError).reason).toBe("engine_unavailable");
    const ref = main.ref;
    const job = jobSpec(`${run}f`, "dead", ["true"]);
    await expect(dead.start(job)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.logs(job.ref, { follow: false, limit: DEFAULT_EXEC_LIMIT })).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(fileText(dead, job.ref, "/tmp/x")).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.status(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.stop(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.remove(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.list()).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.exec(ref, ["true"])).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.stats(ref)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.imageInfo(TEST_IMAGE)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.runInImage(TEST_IMAGE, ["true"], 5_000)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.removeVolume(main.homeVolume)).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(dead.capacity()).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
}

/** What file() copied out of the workload, as text; undefined when it copied nothing. */
async function fileText(spawner: Spawner, ref: WorkloadRef, path: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "atrium-contract-"));
  try {
    const size = await spawner.file(ref, path, DEFAULT_EXEC_LIMIT, join(dir, "f"));
    return size === undefined ? undefined : await readFile(join(dir, "f"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
