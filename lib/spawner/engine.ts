/**
 * One Docker engine as both backends talk to it: every request with a deadline, socket-level
 * failures turned into EngineUnavailableError, and the object-independent operations (ping, image
 * presence, the home volume, exec and stats in a container, a container's last log line). The
 * backends differ only in the objects they create (a container, or a Swarm service).
 */
import Dockerode from "dockerode";
import { randomBytes } from "node:crypto";
import type { Duplex, Readable } from "node:stream";
import { RecentAnswers } from "@/lib/util/recent-answers";
import { BoundedLines, DEFAULT_EXEC_LIMIT, LOG_TAIL_LIMIT, OutputLimitError, readBounded } from "./bounded-output";
import { MIB, STOP_GRACE_S, envList, imageMissingMessage } from "./container-spec";
import { checkName } from "./kinds";
import { demuxBuffer, lastLogLine } from "./exec-lines";
import { hardenedHostConfig, hardening } from "./hardening";
import {
  EngineUnavailableError,
  NotRunningError,
  SpawnError,
  VolumeMissingError,
  type ExecOptions,
  type ExecResult,
  type RunResult,
  type WorkloadMount,
} from "./types";

export interface EngineOptions {
  /** A ready client (tests); otherwise one is made from dockerHost / DOCKER_HOST / the default socket. */
  docker?: Dockerode;
  /** "unix:///var/run/docker.sock", "/var/run/docker.sock" or "tcp://host:2375". */
  dockerHost?: string;
  /** How long one engine request may take before the engine counts as unavailable (default 10 s). */
  requestTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
/** How long a successful ping and a present image are taken as still true (see ping, imageInfo). */
const PING_CACHE_MS = 1_000;
const IMAGE_CACHE_MS = 5_000;
/** Marks every process of one exec (children inherit it), so that an exec past its limit can be ended. */
const EXEC_TAG_VAR = "ATRIUM_EXEC_TAG";
/** What a one-off command may print (runInImage): the image scan's JSON is well under 1 MiB. */
export const RUN_IN_IMAGE_MAX_BYTES = 16 * MIB;

// ---------------------------------------------------------------------------------------------
// Errors

interface DockerodeHttpError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

/** A property of whatever was thrown. */
function prop(err: unknown, key: string): unknown {
  return typeof err === "object" && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

export function statusCodeOf(err: unknown): number | undefined {
  const code = prop(err, "statusCode");
  return typeof code === "number" ? code : undefined;
}

/** Docker's own sentence for an HTTP error ("No such image: foo:1"), else the error's message. */
export function engineMessage(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const e = err as DockerodeHttpError;
    const fromJson = e.json && typeof e.json === "object" ? e.json.message : undefined;
    if (typeof fromJson === "string" && fromJson.trim()) return fromJson.trim();
    if (typeof e.message === "string") return e.message.trim();
  }
  return String(err);
}

const UNREACHABLE_CODES = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EACCES",
  "EPERM",
]);

function describeEngine(docker: Dockerode): string {
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.host === "string" && modem.host) {
    return modem.port === undefined || modem.port === "" ? modem.host : `${modem.host}:${String(modem.port)}`;
  }
  if (typeof modem.socketPath === "string") return modem.socketPath;
  return "the default socket";
}

function dockerFromHost(dockerHost: string | undefined): Dockerode {
  const host = dockerHost?.trim();
  if (!host) return new Dockerode();
  // host: undefined overrides a tcp DOCKER_HOST that docker-modem would otherwise merge in.
  if (host.startsWith("unix://")) return new Dockerode({ socketPath: host.slice(7) || "/var/run/docker.sock", host: undefined });
  if (host.startsWith("/")) return new Dockerode({ socketPath: host, host: undefined });
  const m = /^(tcp|http|https):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(host);
  if (m) {
    const scheme = m[1];
    const protocol = scheme === "https" ? "https" : "http";
    return new Dockerode({ host: m[2], port: Number(m[3] ?? (protocol === "https" ? 2376 : 2375)), protocol });
  }
  throw new Error(`DOCKER_HOST "${host}" is not supported: use unix:///path/to/docker.sock or tcp://host:port.`);
}

// ---------------------------------------------------------------------------------------------

export class Engine {
  readonly docker: Dockerode;
  readonly timeoutMs: number;
  private readonly where: string;
  /**
   * A present image is remembered for IMAGE_CACHE_MS: a start asks twice (the lifecycle records the
   * image id, then start() checks it), and 20 starts at once would ask 40 times. An absent image is
   * never remembered, and a removed image still fails the create with image_missing.
   */
  private readonly images = new RecentAnswers<{ present: boolean; id?: string }>(IMAGE_CACHE_MS, (i) => i.present);
  /**
   * Concurrent pings share one request, and a success is reused for PING_CACHE_MS: every start and
   * stop asks first, and the answer cannot usefully be fresher than that (a start that finds the
   * engine gone a moment later fails with engine_unavailable all the same).
   */
  private readonly pings = new RecentAnswers<boolean>(PING_CACHE_MS, (up) => up);

  constructor(opts: EngineOptions = {}) {
    this.docker = opts.docker ?? dockerFromHost(opts.dockerHost);
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.where = describeEngine(this.docker);
  }

  /** Turns a socket-level failure into EngineUnavailableError; anything else is returned as is. */
  translate(err: unknown): Error {
    if (err instanceof EngineUnavailableError) return err;
    const code = prop(err, "code");
    if (typeof code === "string" && statusCodeOf(err) === undefined && UNREACHABLE_CODES.has(code)) {
      const where = this.where;
      let message: string;
      if (code === "ENOENT") message = `The container engine is not reachable: the socket ${where} does not exist (is dockerd running?).`;
      else if (code === "ECONNREFUSED") message = `The container engine at ${where} refused the connection (is dockerd running?).`;
      else if (code === "EACCES" || code === "EPERM")
        message = `Atrium may not use the container engine socket ${where} (permission denied).`;
      else message = `The container engine at ${where} cannot be reached (${code}).`;
      return new EngineUnavailableError(message, { cause: err });
    }
    if (prop(err, "name") === "AbortError") return this.timeoutError(this.timeoutMs);
    return err instanceof Error ? err : new Error(engineMessage(err));
  }

  private timeoutError(ms: number): EngineUnavailableError {
    return new EngineUnavailableError(`The container engine at ${this.where} did not answer within ${Math.round(ms / 100) / 10} s.`);
  }

  /**
   * One engine request with a deadline: the signal aborts the HTTP request, and the race makes sure
   * the caller is released even where the request cannot be aborted.
   */
  async call<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(this.timeoutError(timeoutMs));
        ac.abort();
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(ac.signal), deadline]);
    } catch (err) {
      throw this.translate(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A failure other than an unreachable engine, as one sentence: "The <who> could not <what>: <why>". */
  failure(what: string, err: unknown, who = "container engine"): Error {
    if (err instanceof EngineUnavailableError) return err;
    return new Error(`The ${who} could not ${what}: ${engineMessage(err)}`, { cause: err });
  }

  /** call(), every refusal said as failure(what). */
  request<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, who?: string): Promise<T> {
    return this.call(fn).catch((err: unknown) => Promise.reject(this.failure(what, err, who)));
  }

  /** request(), a refusal with one of `absent`'s status codes (404: no such object) being undefined. */
  async lookup<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, absent: readonly number[] = [404]): Promise<T | undefined> {
    try {
      return await this.call(fn);
    } catch (err) {
      if (absent.includes(statusCodeOf(err) ?? 0)) return undefined;
      throw this.failure(what, err);
    }
  }

  // --- containers --------------------------------------------------------------------------------

  /** undefined when there is no such container. */
  inspectContainer(nameOrId: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    return this.lookup(`inspect the container ${nameOrId}`, (abortSignal) => this.docker.getContainer(nameOrId).inspect({ abortSignal }));
  }

  /** Stops it (SIGTERM, then STOP_GRACE_S) or kills it. Stopped or gone already is no error: removing it comes next. */
  async halt(id: string, how: "stop" | "kill"): Promise<void> {
    try {
      const container = this.docker.getContainer(id);
      if (how === "kill") await this.call((abortSignal) => container.kill({ abortSignal }));
      else await this.call((abortSignal) => container.stop({ t: STOP_GRACE_S, abortSignal }), STOP_GRACE_S * 1000 + this.timeoutMs);
    } catch (err) {
      // 304 (already stopped), 404 (already gone) or any other refusal: the removal that follows
      // still reports a real problem. Only an unreachable engine stops here.
      if (err instanceof EngineUnavailableError) throw err;
    }
  }

  /**
   * A GET whose answer is a stream (a log), as dockerode's own methods dial it but always streamed:
   * dockerode buffers a log that is not followed whole. Only the answer's head has the request
   * deadline; the body is read through bounded-output.ts. undefined on 404.
   */
  openStream(what: string, path: string, query: Record<string, string | number | boolean>): Promise<Readable | undefined> {
    const dial = (abortSignal: AbortSignal) =>
      new Promise<Readable>((resolve, reject) => {
        const statusCodes = { 200: true, 404: "no such object", 500: "server error", 503: "node is not part of a swarm" };
        this.docker.modem.dial(
          { path: `${path}?`, method: "GET", options: { ...query }, isStream: true, abortSignal, statusCodes },
          (err, data) => (err ? reject(err) : resolve(data as Readable)),
        );
      });
    return this.lookup(what, dial);
  }

  /** The last line the container wrote; best effort, since a reason without it is still a reason. */
  async lastLogLine(id: string): Promise<string | undefined> {
    try {
      const query = { stdout: true, stderr: true, tail: 20, follow: false };
      const stream = await this.openStream("read a container's log", `/containers/${encodeURIComponent(id)}/logs`, query);
      return stream ? lastLogLine(await readBounded(stream, LOG_TAIL_LIMIT, (err) => this.translate(err))) : undefined;
    } catch {
      return undefined;
    }
  }

  // --- volumes -----------------------------------------------------------------------------------

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    // Creating a volume that exists returns the existing one, so this is idempotent.
    await this.request(`create the volume ${name}`, (abortSignal) => this.docker.createVolume({ Name: name, Labels: labels, abortSignal }));
  }

  async removeVolume(name: string): Promise<void> {
    checkName("volume", name);
    await this.lookup(`remove the volume ${name}`, (abortSignal) => this.docker.getVolume(name).remove({ abortSignal }));
  }

  // --- exec ----------------------------------------------------------------------------------------

  /** argv in a running container; `notRunning` is the error for a container that is gone. */
  async exec(containerId: string, cmd: string[], opts: ExecOptions, notRunning: () => Error): Promise<ExecResult> {
    const tag = randomBytes(8).toString("hex");
    const create: Dockerode.ExecCreateOptions = { Cmd: [...cmd], AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false };
    if (opts.user) create.User = opts.user;
    create.Env = envList({ ...opts.env, [EXEC_TAG_VAR]: tag });
    const run = (abortSignal: AbortSignal) => this.docker.getContainer(containerId).exec({ ...create, abortSignal });
    const exec = await this.lookup("run a command in the container", run, [404, 409]);
    if (!exec) throw notRunning();

    const sock = await this.startExec(exec);
    // "drop": the exit code must arrive even when nobody reads the output.
    const lines = new BoundedLines(sock, opts.limit ?? DEFAULT_EXEC_LIMIT, (err) => this.translate(err), "drop");
    // The engine keeps draining an abandoned exec's output for as long as it runs: end it.
    lines.done.catch((err: unknown) => (err instanceof OutputLimitError ? this.killTagged(containerId, tag, opts.user) : undefined));
    const exitCode = lines.done.then(() => this.execExitCode(exec));
    exitCode.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
    return { output: lines, exitCode };
  }

  /**
   * Kills every process in the container carrying EXEC_TAG_VAR=tag, as the exec's own user (who may
   * signal her own processes without capabilities); best effort, detached, output not read.
   */
  private async killTagged(containerId: string, tag: string, user: string | undefined): Promise<void> {
    const script =
      `for p in /proc/[0-9]*; do if tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx '${EXEC_TAG_VAR}=${tag}'; ` +
      `then kill -9 "\${p#/proc/}" 2>/dev/null; fi; done`;
    const create: Dockerode.ExecCreateOptions = { Cmd: ["sh", "-c", script], AttachStdout: false, AttachStderr: false };
    if (user) create.User = user;
    try {
      const killer = await this.call((abortSignal) => this.docker.getContainer(containerId).exec({ ...create, abortSignal }));
      await this.call(() => killer.start({ Detach: true }));
    } catch {
      // The container may be gone; the process then went with it.
    }
  }

  /** Starts the exec on a hijacked connection; the handshake has the request deadline, the stream its OutputLimit. */
  private async startExec(exec: Dockerode.Exec): Promise<Duplex> {
    let late = false;
    const started = exec.start({ hijack: true, stdin: false }).then((sock) => {
      if (late) sock.destroy(); // the caller has been told the engine did not answer
      return sock;
    });
    try {
      const sock = await this.call(() => started);
      // The modem sets no timeout unless configured; make sure a quiet command is never cut off.
      (sock as Duplex & { setTimeout?: (ms: number) => unknown }).setTimeout?.(0);
      return sock;
    } catch (err) {
      late = true;
      throw this.failure("run a command in the container", err);
    }
  }

  private async execExitCode(exec: Dockerode.Exec): Promise<number> {
    // The stream ends when the process does; the engine may need a moment to record the exit code.
    for (let i = 0; i < 30; i++) {
      const info = await this.lookup("read the command's exit code", (abortSignal) => exec.inspect({ abortSignal }));
      if (!info) break; // the container (and its execs) went away
      if (!info.Running && typeof info.ExitCode === "number") return info.ExitCode;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new NotRunningError("The command was cut off: the workload stopped while it ran.");
  }

  // --- one-off commands ------------------------------------------------------------------------------

  /** See Spawner.runInImage. Labelled atrium.purpose, never atrium.managed: reconcile leaves it alone. */
  async runInImage(image: string, argv: string[], timeoutMs: number, mount?: WorkloadMount): Promise<RunResult> {
    // The engine would create a missing volume, unlabelled: a person's home is made only by her first start.
    if (mount) {
      checkName("volume", mount.volume);
      const volume = this.docker.getVolume(mount.volume);
      const found = await this.lookup(`inspect the volume ${mount.volume}`, (abortSignal) => volume.inspect({ abortSignal }));
      if (!found) throw new VolumeMissingError(`There is no volume ${mount.volume}.`);
    }
    const volumeMounts: Dockerode.MountConfig = mount
      ? [{ Type: "volume", Source: mount.volume, Target: mount.target, ReadOnly: mount.readOnly ?? true }]
      : [];
    const create: Dockerode.ContainerCreateOptions = {
      name: `atrium-once-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      Image: image,
      Entrypoint: [...argv],
      Cmd: [],
      Labels: { "atrium.purpose": "run-in-image" },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: "none",
        Memory: 512 * MIB,
        NanoCpus: 1e9,
        ...(mount ? { Mounts: volumeMounts } : {}),
        ...hardenedHostConfig(hardening(undefined)),
      },
    };
    const created = await this.lookup(`create a container of ${image}`, (abortSignal) =>
      this.docker.createContainer({ ...create, abortSignal }),
    );
    if (!created) throw new SpawnError(imageMissingMessage(image), "image_missing");
    const container = this.docker.getContainer(created.id);
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.call((abortSignal) => container.start({ abortSignal }));
      const ended = new Promise<never>((_, reject) => {
        const late = new SpawnError(`The command in ${image} did not end within ${timeoutMs / 1000} s.`, "engine_error");
        timer = setTimeout(() => reject(late), timeoutMs);
      });
      const waited = container.wait().catch((err: unknown) => Promise.reject(this.translate(err))) as Promise<{ StatusCode: number }>;
      const { StatusCode } = await Promise.race([waited, ended]);
      const query = { stdout: true, stderr: true, follow: false };
      const stream = await this.openStream(`read the output of a container of ${image}`, `/containers/${created.id}/logs`, query);
      const limit = {
        maxBytes: RUN_IN_IMAGE_MAX_BYTES,
        deadlineMs: timeoutMs,
        what: `The command in ${image}`,
        consequence: "its output was not read",
      };
      const logs = demuxBuffer(stream ? await readBounded(stream, limit, (err) => this.translate(err)) : Buffer.alloc(0));
      return { exitCode: StatusCode, stdout: logs.out, stderr: logs.err };
    } finally {
      clearTimeout(timer);
      await this.call((abortSignal) => container.remove({ force: true, abortSignal })).catch(() => undefined);
    }
  }

  // --- stats ---------------------------------------------------------------------------------------

  async stats(containerId: string, notRunning: () => Error): Promise<{ cpu: number; memBytes: number }> {
    const s = await this.lookup("read the container's usage", (abortSignal) => {
      const opts = { stream: false as const, abortSignal }; // a variable: dockerode's types know no abortSignal here
      return this.docker.getContainer(containerId).stats(opts);
    });
    if (!s) throw notRunning();
    return { cpu: cpuCores(s), memBytes: memoryUsed(s) };
  }

  /** `docker info`: the engine's CPUs, memory and swarm node. */
  info(): Promise<EngineInfo> {
    const info = this.docker.info.bind(this.docker) as (opts: { abortSignal: AbortSignal }) => Promise<EngineInfo>;
    return this.call((abortSignal) => info({ abortSignal }));
  }

  /** The CPUs and memory of the machine the engine runs on (on a swarm, the node the portal talks to). */
  async capacity(): Promise<{ cpu: number; memBytes: number }> {
    const { NCPU, MemTotal } = await this.info();
    return { cpu: NCPU ?? 0, memBytes: MemTotal ?? 0 };
  }

  /**
   * The address `host.docker.internal` (host-gateway) stands for in containers: the default bridge's
   * gateway, an address of the engine's own machine; undefined when the engine has no such bridge.
   */
  async hostGateway(): Promise<string | undefined> {
    const network = this.docker.getNetwork("bridge");
    const inspect = network.inspect.bind(network) as (opts: { abortSignal: AbortSignal }) => Promise<Dockerode.NetworkInspectInfo>;
    const bridge = await this.lookup("inspect the bridge network", (abortSignal) => inspect({ abortSignal }));
    return bridge?.IPAM?.Config?.map((c) => c.Gateway).find((g): g is string => typeof g === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(g));
  }

  // --- images, ping --------------------------------------------------------------------------------

  imageInfo(image: string): Promise<{ present: boolean; id?: string }> {
    return this.images.get(image, async () => {
      const inspect = (abortSignal: AbortSignal) => this.docker.getImage(image).inspect({ abortSignal } as Dockerode.ImageInspectOptions);
      const info = await this.lookup(`inspect the image ${image}`, inspect);
      return info ? { present: true, id: info.Id } : { present: false };
    });
  }

  ping(): Promise<boolean> {
    return this.pings.get("", () => this.pingEngine());
  }

  private async pingEngine(): Promise<boolean> {
    try {
      const ping = this.docker.ping.bind(this.docker) as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
      await this.call((abortSignal) => ping({ abortSignal }), Math.min(this.timeoutMs, PING_TIMEOUT_MS));
      return true;
    } catch {
      return false;
    }
  }
}

export interface EngineInfo {
  NCPU?: number;
  MemTotal?: number;
  Swarm?: { NodeID?: string };
}

/** Cores in use, as `docker stats` computes its CPU % (divided by 100). */
export function cpuCores(s: Dockerode.ContainerStats): number {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online;
}

/** Memory in use without the reclaimable page cache, as `docker stats` shows it. */
export function memoryUsed(s: Dockerode.ContainerStats): number {
  const mem = s.memory_stats;
  const usage = mem?.usage ?? 0;
  const stats = (mem?.stats ?? {}) as Partial<Record<string, number>>;
  const v1 = stats.total_inactive_file; // cgroup v1
  if (typeof v1 === "number" && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file; // cgroup v2
  if (typeof v2 === "number" && v2 < usage) return usage - v2;
  return usage;
}
