/**
 * One Docker engine as both backends talk to it: every request with a deadline, socket-level
 * failures turned into EngineUnavailableError, and the object-independent operations (ping, image
 * presence, the home volume, exec and stats in a container, a container's last log line). The
 * backends differ only in the objects they create (a container, or a Swarm service).
 */
import Dockerode from "dockerode";
import type { Duplex } from "node:stream";
import { MIB, envList, imageMissingMessage, validateName } from "./container-spec";
import { containerFile, containerLogLines } from "./container-output";
import { ExecLines, demuxBuffer, lastLogLine } from "./exec-lines";
import { EngineUnavailableError, ServerNotRunningError, SpawnError, type ExecOptions, type ExecResult, type RunResult } from "./types";

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

// ---------------------------------------------------------------------------------------------
// Errors

interface DockerodeHttpError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as DockerodeHttpError).statusCode;
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

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function isAbort(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
}

function describeEngine(docker: Dockerode): string {
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.host === "string" && modem.host) {
    return modem.port === undefined || modem.port === "" ? modem.host : `${modem.host}:${String(modem.port)}`;
  }
  if (typeof modem.socketPath === "string") return modem.socketPath;
  return "the default socket";
}

export function dockerFromHost(dockerHost: string | undefined): Dockerode {
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
  private readonly images = new Map<string, { at: number; info: Promise<{ present: boolean; id?: string }> }>();
  private pinged: { at: number; ok: Promise<boolean> } | undefined;

  constructor(opts: EngineOptions = {}) {
    this.docker = opts.docker ?? dockerFromHost(opts.dockerHost);
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.where = describeEngine(this.docker);
  }

  /** Turns a socket-level failure into EngineUnavailableError; anything else is returned as is. */
  translate(err: unknown): Error {
    if (err instanceof EngineUnavailableError) return err;
    const code = errnoCode(err);
    if (code !== undefined && statusCodeOf(err) === undefined && UNREACHABLE_CODES.has(code)) {
      const where = this.where;
      let message: string;
      if (code === "ENOENT") message = `The container engine is not reachable: the socket ${where} does not exist (is dockerd running?).`;
      else if (code === "ECONNREFUSED") message = `The container engine at ${where} refused the connection (is dockerd running?).`;
      else if (code === "EACCES" || code === "EPERM")
        message = `Atrium may not use the container engine socket ${where} (permission denied).`;
      else message = `The container engine at ${where} cannot be reached (${code}).`;
      return new EngineUnavailableError(message, { cause: err });
    }
    if (isAbort(err)) return this.timeoutError(this.timeoutMs);
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

  /** A non-engine-availability failure, as one sentence. */
  failure(what: string, err: unknown): Error {
    if (err instanceof EngineUnavailableError) return err;
    return new Error(`The container engine could not ${what}: ${engineMessage(err)}`, { cause: err });
  }

  // --- containers --------------------------------------------------------------------------------

  /** undefined when there is no such container. */
  async inspectContainer(nameOrId: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await this.call((abortSignal) => this.docker.getContainer(nameOrId).inspect({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw this.failure(`inspect the container ${nameOrId}`, err);
    }
  }

  /** The last line the container wrote; best effort, since a reason without it is still a reason. */
  async lastLogLine(id: string): Promise<string | undefined> {
    try {
      const buf = await this.call((abortSignal) =>
        this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 20, follow: false, abortSignal }),
      );
      return lastLogLine(buf);
    } catch {
      return undefined;
    }
  }

  logLines(containerId: string, follow: boolean): Promise<AsyncIterable<string>> {
    return containerLogLines(this, containerId, follow);
  }

  fileOf(containerId: string, path: string): Promise<Buffer | undefined> {
    return containerFile(this, containerId, path);
  }

  // --- volumes -----------------------------------------------------------------------------------

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    // Creating a volume that exists returns the existing one, so this is idempotent.
    try {
      await this.call((abortSignal) => this.docker.createVolume({ Name: name, Labels: labels, abortSignal }));
    } catch (err) {
      if (err instanceof EngineUnavailableError) throw err;
      throw new SpawnError(`The container engine could not create the volume ${name}: ${engineMessage(err)}`, "engine_error");
    }
  }

  async removeVolume(name: string): Promise<void> {
    validateName("volume", name);
    try {
      await this.call((abortSignal) => this.docker.getVolume(name).remove({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      throw this.failure(`remove the volume ${name}`, err);
    }
  }

  // --- exec ----------------------------------------------------------------------------------------

  /** argv in a running container; `notRunning` is the error for a container that is gone. */
  async exec(containerId: string, cmd: string[], opts: ExecOptions, notRunning: () => Error): Promise<ExecResult> {
    const createOpts: Dockerode.ExecCreateOptions = {
      Cmd: [...cmd],
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    };
    if (opts.user) createOpts.User = opts.user;
    if (opts.env) createOpts.Env = envList(opts.env);

    let exec: Dockerode.Exec;
    try {
      exec = await this.call((abortSignal) => this.docker.getContainer(containerId).exec({ ...createOpts, abortSignal }));
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404 || code === 409) throw notRunning();
      throw this.failure("run a command in the workspace", err);
    }

    const sock = await this.startExec(exec);
    const lines = new ExecLines(sock, (err) => this.translate(err));
    const exitCode = lines.done.then(() => this.execExitCode(exec));
    exitCode.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
    return { output: lines, exitCode };
  }

  /** Starts the exec on a hijacked connection; only the handshake has a deadline, not the stream. */
  private startExec(exec: Dockerode.Exec): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(this.timeoutError(this.timeoutMs));
      }, this.timeoutMs);
      exec.start({ hijack: true, stdin: false }).then(
        (sock) => {
          clearTimeout(timer);
          if (done) {
            sock.destroy(); // too late: the caller has been told the engine did not answer
            return;
          }
          done = true;
          // The modem sets no timeout unless configured; make sure a quiet command is never cut off.
          const maybeSocket = sock as Duplex & { setTimeout?: (ms: number) => unknown };
          maybeSocket.setTimeout?.(0);
          resolve(sock);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          reject(this.failure("run a command in the workspace", this.translate(err)));
        },
      );
    });
  }

  private async execExitCode(exec: Dockerode.Exec): Promise<number> {
    // The stream ends when the process does; the engine may need a moment to record the exit code.
    for (let i = 0; i < 30; i++) {
      let info: Dockerode.ExecInspectInfo;
      try {
        info = await this.call((abortSignal) => exec.inspect({ abortSignal }));
      } catch (err) {
        if (statusCodeOf(err) === 404) break; // the container (and its execs) went away
        throw this.failure("read the command's exit code", err);
      }
      if (!info.Running && typeof info.ExitCode === "number") return info.ExitCode;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ServerNotRunningError("The command was cut off: the server stopped while it ran.");
  }

  // --- one-off commands ------------------------------------------------------------------------------

  /** See Spawner.runInImage. Labelled atrium.purpose, never atrium.managed: reconcile leaves it alone. */
  async runInImage(image: string, argv: string[], timeoutMs: number): Promise<RunResult> {
    let id: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      try {
        const create: Dockerode.ContainerCreateOptions = {
          name: `atrium-once-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
          Image: image,
          Entrypoint: [...argv],
          Cmd: [],
          Labels: { "atrium.purpose": "run-in-image" },
          NetworkDisabled: true,
          HostConfig: { NetworkMode: "none", Memory: 512 * MIB, NanoCpus: 1e9 },
        };
        id = (await this.call((abortSignal) => this.docker.createContainer({ ...create, abortSignal }))).id;
      } catch (err) {
        if (statusCodeOf(err) === 404) throw new SpawnError(imageMissingMessage(image), "image_missing");
        throw this.failure(`create a container of ${image}`, err);
      }
      const container = this.docker.getContainer(id);
      await this.call((abortSignal) => container.start({ abortSignal }));
      const ended = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SpawnError(`The command in ${image} did not end within ${timeoutMs / 1000} s.`, "engine_error")),
          timeoutMs,
        );
      });
      const waited = (await Promise.race([container.wait().catch((err: unknown) => Promise.reject(this.translate(err))), ended])) as {
        StatusCode: number;
      };
      const logs = demuxBuffer(
        await this.call((abortSignal) => container.logs({ stdout: true, stderr: true, follow: false, abortSignal })),
      );
      return { exitCode: waited.StatusCode, stdout: logs.out, stderr: logs.err };
    } finally {
      clearTimeout(timer);
      if (id)
        await this.call((abortSignal) => this.docker.getContainer(id ?? "").remove({ force: true, abortSignal })).catch(() => undefined);
    }
  }

  // --- stats ---------------------------------------------------------------------------------------

  async stats(containerId: string, notRunning: () => Error): Promise<{ cpu: number; memBytes: number }> {
    let s: Dockerode.ContainerStats;
    try {
      s = await this.call((abortSignal) => {
        const opts = { stream: false as const, abortSignal };
        return this.docker.getContainer(containerId).stats(opts);
      });
    } catch (err) {
      if (statusCodeOf(err) === 404) throw notRunning();
      throw this.failure("read the workspace's usage", err);
    }
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

  // --- images, ping --------------------------------------------------------------------------------

  /**
   * A present image is remembered for IMAGE_CACHE_MS: a start asks twice (the lifecycle records the
   * image id, then start() checks it), and 20 starts at once would ask 40 times. An absent image or
   * an error is never remembered, and a removed image still fails the create with image_missing.
   */
  imageInfo(image: string): Promise<{ present: boolean; id?: string }> {
    const now = Date.now();
    const hit = this.images.get(image);
    if (hit && now - hit.at < IMAGE_CACHE_MS) return hit.info;
    const info = this.inspectImage(image);
    this.images.set(image, { at: now, info });
    const forget = () => {
      if (this.images.get(image)?.info === info) this.images.delete(image);
    };
    void info.then((i) => {
      if (!i.present) forget();
    }, forget);
    return info;
  }

  private async inspectImage(image: string): Promise<{ present: boolean; id?: string }> {
    try {
      const info = await this.call((abortSignal) => {
        const opts = { abortSignal } as Dockerode.ImageInspectOptions;
        return this.docker.getImage(image).inspect(opts);
      });
      return { present: true, id: info.Id };
    } catch (err) {
      if (statusCodeOf(err) === 404) return { present: false };
      throw this.failure(`inspect the image ${image}`, err);
    }
  }

  /**
   * Concurrent pings share one request, and a success is reused for PING_CACHE_MS: every start and
   * stop asks first, and the answer cannot usefully be fresher than that (a start that finds the
   * engine gone a moment later fails with engine_unavailable all the same). A failure is not reused.
   */
  ping(): Promise<boolean> {
    if (this.pinged && Date.now() - this.pinged.at < PING_CACHE_MS) return this.pinged.ok;
    const at = Date.now();
    const ok = this.pingEngine();
    this.pinged = { at, ok };
    void ok.then((up) => {
      if (!up && this.pinged?.ok === ok) this.pinged = undefined;
    });
    return ok;
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
