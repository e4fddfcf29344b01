/**
 * The Docker backend of the Spawner: one container per (user, server) on one engine, reached
 * through a port published on 127.0.0.1 (portal on the host) or by container name on a
 * user-defined network (portal in docker-compose). One named volume per user holds the home
 * directory and outlives every container.
 */
import Dockerode from "dockerode";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import {
  EngineUnavailableError,
  ServerNotRunningError,
  SpawnError,
  type ExecOptions,
  type ExecResult,
  type FailedStatus,
  type ListedServer,
  type ServerRef,
  type ServerSpec,
  type ServerStatus,
  type SpawnEvent,
  type Spawner,
  type SpawnerState,
} from "./types";

export interface DockerSpawnerOptions {
  /** A ready client (tests); otherwise one is made from dockerHost / DOCKER_HOST / the default socket. */
  docker?: Dockerode;
  /** "unix:///var/run/docker.sock", "/var/run/docker.sock" or "tcp://host:2375". */
  dockerHost?: string;
  /** A user-defined network to attach workspaces to; then no port is published. */
  network?: string;
  /** Where the Jupyter port is published (default 127.0.0.1, never all interfaces by default). */
  publishHost?: string;
  /** How long one engine request may take before the engine counts as unavailable (default 10 s). */
  requestTimeoutMs?: number;
}

export const LABEL_USER = "atrium.user";
export const LABEL_SERVER = "atrium.server";
export const LABEL_ENV = "atrium.env";
export const LABEL_MANAGED = "atrium.managed";

export const JUPYTER_PORT = 8888;
const PORT_KEY = `${JUPYTER_PORT}/tcp`;
const HOME = "/home/jovyan";
const DEFAULT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
/** How long a successful ping and a present image are taken as still true (see ping, imageInfo). */
const PING_CACHE_MS = 1_000;
const IMAGE_CACHE_MS = 5_000;
/** Seconds Jupyter gets to shut down on SIGTERM before the engine kills it. */
const STOP_GRACE_S = 5;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Docker's rule for container and volume names. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function containerName(ref: ServerRef): string {
  return `atrium-${ref.user}-${ref.server}`;
}

export function volumeName(user: string): string {
  return `atrium-home-${user}`;
}

/** "out of memory (limit 1 GiB)", "out of memory (limit 256 MiB)". */
export function formatMemLimit(bytes: number): string {
  if (bytes >= GIB && bytes % GIB === 0) return `${bytes / GIB} GiB`;
  const mib = Math.round((bytes / MIB) * 10) / 10;
  return `${mib} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Errors

interface DockerodeHttpError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as DockerodeHttpError).statusCode;
  return typeof code === "number" ? code : undefined;
}

/** Docker's own sentence for an HTTP error ("No such image: foo:1"), else the error's message. */
function engineMessage(err: unknown): string {
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

function validateName(what: string, value: string): void {
  if (typeof value !== "string" || !NAME_RE.test(value)) {
    throw new TypeError(`The ${what} name "${String(value)}" cannot be used in a container name.`);
  }
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!ENV_KEY_RE.test(k)) throw new TypeError(`"${k}" is not a valid environment variable name.`);
    if (typeof v !== "string" || v.includes("\0")) throw new TypeError(`The value of ${k} must be a string without NUL characters.`);
    return `${k}=${v}`;
  });
}

/**
 * Everything the engine is asked for when a workspace container is created: limits, init, the home
 * volume, extra hosts, labels, the published port or the network. Exported so bench:spawn's raw
 * baseline creates exactly the same container.
 */
export function containerCreateOptions(spec: ServerSpec, placement: { network?: string; publishHost: string }): Dockerode.ContainerCreateOptions {
  const env = { ...spec.env };
  delete env.JUPYTER_TOKEN;
  delete env.JUPYTER_BASE_URL;
  const hostConfig: Dockerode.HostConfig = {
    NanoCpus: Math.round(spec.cpu * 1e9),
    Memory: Math.round(spec.memGb * GIB),
    MemorySwap: Math.round(spec.memGb * GIB),
    Init: true,
    ExtraHosts: ["host.docker.internal:host-gateway"],
    RestartPolicy: { Name: "no" },
    Mounts: [{ Type: "volume", Source: volumeName(spec.user), Target: HOME }],
    ...(placement.network
      ? { NetworkMode: placement.network }
      : { PortBindings: { [PORT_KEY]: [{ HostIp: placement.publishHost, HostPort: "" }] } }),
  };
  const create: Dockerode.ContainerCreateOptions = {
    name: containerName(spec),
    Image: spec.image,
    Env: [...envList(env), `JUPYTER_TOKEN=${spec.token}`, `JUPYTER_BASE_URL=${spec.baseUrl}`],
    Labels: {
      [LABEL_USER]: spec.user,
      [LABEL_SERVER]: spec.server,
      [LABEL_ENV]: spec.environment,
      [LABEL_MANAGED]: "true",
    },
    ExposedPorts: { [PORT_KEY]: {} },
    HostConfig: hostConfig,
  };
  if (spec.cmd) {
    create.Cmd = spec.cmd.map((arg) => arg.replaceAll("{baseUrl}", spec.baseUrl).replaceAll("{port}", String(JUPYTER_PORT)));
  }
  return create;
}

// ---------------------------------------------------------------------------------------------
// Docker's multiplexed stream (8-byte frame headers: stream type, 3 zero bytes, uint32 BE length)

/** Splits a non-TTY log buffer into stdout and stderr text; a buffer that is not multiplexed is stdout. */
function demuxBuffer(buf: Buffer): { out: string; err: string } {
  let out = "";
  let err = "";
  let off = 0;
  while (off + 8 <= buf.length) {
    const type = buf[off];
    if (type !== 0 && type !== 1 && type !== 2) return { out: out + buf.subarray(off).toString("utf8"), err };
    const len = buf.readUInt32BE(off + 4);
    const text = buf.subarray(off + 8, off + 8 + len).toString("utf8");
    if (type === 2) err += text;
    else out += text;
    off += 8 + len;
  }
  return { out, err };
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[A-Za-z]/g;

const MAX_BUFFERED_BYTES = 4 * MIB;
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Reads an exec's hijacked socket: demultiplexes the frames, decodes UTF-8 per stream, and queues
 * complete lines. The socket is read at once (so the exit code arrives even if nobody reads the
 * output); while an iterator is reading, a full queue pauses the socket (backpressure); before
 * anybody reads, a full queue drops its oldest lines. Closing the iterator early discards the rest.
 */
class ExecLines implements AsyncIterable<string> {
  private lines: string[] = [];
  private bytes = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private iterating = false;
  private discarding = false;
  private raw = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
  private readonly partial = { out: "", err: "" };
  readonly done: Promise<void>;

  constructor(
    private readonly sock: Duplex,
    translate: (err: unknown) => Error,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        this.flush();
        this.ended = true;
        if (err !== undefined) this.error = translate(err);
        this.notify();
        if (this.error) reject(this.error);
        else resolve();
      };
      sock.on("data", (chunk: Buffer) => this.onData(chunk));
      sock.on("end", () => finish());
      sock.on("close", () => finish());
      sock.on("error", (err) => finish(err));
    });
    // The caller may never await exitCode; a rejection must not become an unhandled one.
    this.done.catch(() => undefined);
  }

  private onData(chunk: Buffer): void {
    if (this.raw) return this.feed("out", chunk);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed (a TTY exec): pass everything through as stdout.
        this.raw = true;
        const rest = this.pending;
        this.pending = Buffer.alloc(0);
        return this.feed("out", rest);
      }
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) break;
      const payload = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len);
      this.feed(type === 2 ? "err" : "out", payload);
    }
  }

  private feed(stream: "out" | "err", payload: Buffer): void {
    let text = this.partial[stream] + this.decoders[stream].write(payload);
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0) {
      this.push(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      this.push(text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    this.partial[stream] = text;
  }

  private flush(): void {
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = "";
      if (rest) this.push(rest);
    }
  }

  private push(line: string): void {
    if (this.discarding) return;
    const clean = line.endsWith("\r") ? line.slice(0, -1) : line;
    this.lines.push(clean);
    this.bytes += clean.length;
    if (this.bytes > MAX_BUFFERED_BYTES) {
      if (this.iterating) this.sock.pause();
      else
        while (this.bytes > MAX_BUFFERED_BYTES / 2 && this.lines.length > 1) {
          this.bytes -= (this.lines.shift() ?? "").length;
        }
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    if (this.iterating) throw new Error("The output of an exec can be read only once.");
    this.iterating = true;
    try {
      for (;;) {
        const line = this.lines.shift();
        if (line !== undefined) {
          this.bytes -= line.length;
          if (this.bytes <= MAX_BUFFERED_BYTES / 2 && this.sock.isPaused()) this.sock.resume();
          yield line;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Whether it ended or the reader stopped early: drop what is left, keep draining for the exit code.
      this.discarding = true;
      this.lines = [];
      this.bytes = 0;
      if (this.sock.isPaused()) this.sock.resume();
    }
  }
}

// ---------------------------------------------------------------------------------------------

type ContainerInfo = Dockerode.ContainerInspectInfo;

export class DockerSpawner implements Spawner {
  readonly docker: Dockerode;
  private readonly network: string | undefined;
  private readonly publishHost: string;
  private readonly urlHost: string;
  private readonly timeoutMs: number;
  private readonly where: string;
  private readonly images = new Map<string, { at: number; info: Promise<{ present: boolean; id?: string }> }>();
  private pinged: { at: number; ok: Promise<boolean> } | undefined;

  constructor(opts: DockerSpawnerOptions = {}) {
    this.docker = opts.docker ?? dockerFromHost(opts.dockerHost);
    this.network = opts.network?.trim() || undefined;
    this.publishHost = opts.publishHost?.trim() || "127.0.0.1";
    const h = this.publishHost;
    const anyAddress = h === "0.0.0.0" || h === "::" || h === "[::]";
    this.urlHost = anyAddress ? "127.0.0.1" : h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.where = describeEngine(this.docker);
  }

  // --- engine calls ----------------------------------------------------------------------------

  /** Turns a socket-level failure into EngineUnavailableError; anything else is returned as is. */
  private translate(err: unknown): Error {
    if (err instanceof EngineUnavailableError) return err;
    const code = errnoCode(err);
    if (code !== undefined && statusCodeOf(err) === undefined && UNREACHABLE_CODES.has(code)) {
      const where = this.where;
      let message: string;
      if (code === "ENOENT") message = `The container engine is not reachable: the socket ${where} does not exist (is dockerd running?).`;
      else if (code === "ECONNREFUSED") message = `The container engine at ${where} refused the connection (is dockerd running?).`;
      else if (code === "EACCES" || code === "EPERM") message = `Atrium may not use the container engine socket ${where} (permission denied).`;
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
  private async call<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
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
  private failure(what: string, err: unknown): Error {
    if (err instanceof EngineUnavailableError) return err;
    return new Error(`The container engine could not ${what}: ${engineMessage(err)}`, { cause: err });
  }

  private isOurs(info: ContainerInfo, ref: ServerRef): boolean {
    const labels = info.Config?.Labels ?? {};
    return labels[LABEL_MANAGED] === "true" && labels[LABEL_USER] === ref.user && labels[LABEL_SERVER] === ref.server;
  }

  /** The container named for ref, whoever owns it; undefined when there is none. */
  private async inspectByName(name: string): Promise<ContainerInfo | undefined> {
    try {
      return await this.call((abortSignal) => this.docker.getContainer(name).inspect({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw this.failure(`inspect the container ${name}`, err);
    }
  }

  /** The container of ref; undefined when there is none or the name belongs to another server. */
  private async findOwn(ref: ServerRef): Promise<ContainerInfo | undefined> {
    validateName("user", ref.user);
    validateName("server", ref.server);
    const info = await this.inspectByName(containerName(ref));
    return info && this.isOurs(info, ref) ? info : undefined;
  }

  private async removeContainer(id: string): Promise<void> {
    try {
      await this.call((abortSignal) => this.docker.getContainer(id).remove({ force: true, abortSignal }));
    } catch (err) {
      const code = statusCodeOf(err);
      // 404: already gone; 409: a removal is already in progress.
      if (code === 404 || code === 409) return;
      throw this.failure("remove a container", err);
    }
  }

  // --- status ----------------------------------------------------------------------------------

  /**
   * The last line the container wrote, for a failure reason. stderr is preferred: it is where an
   * error (a Python traceback's last line, Jupyter's own log) goes, and the engine does not keep the
   * relative order of lines written to stdout and stderr at nearly the same moment.
   */
  private async lastLogLine(id: string): Promise<string | undefined> {
    try {
      const buf = await this.call((abortSignal) =>
        this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 20, follow: false, abortSignal }),
      );
      const { out, err } = Buffer.isBuffer(buf) ? demuxBuffer(buf) : { out: String(buf), err: "" };
      const last = (text: string) =>
        text
          .replace(ANSI_RE, "")
          .split(/\r?\n|\r/)
          .map((l) => l.trim())
          .filter(Boolean)
          .at(-1);
      return last(err) ?? last(out);
    } catch {
      return undefined; // best effort: a reason without the log line is still a reason
    }
  }

  private async statusOf(info: ContainerInfo): Promise<ServerStatus> {
    const st = info.State;
    if (st.Running || st.Restarting || st.Paused) {
      const startedAt = st.StartedAt && !st.StartedAt.startsWith("0001-") ? st.StartedAt : undefined;
      return startedAt ? { state: "running", startedAt } : { state: "running" };
    }
    if (st.Status === "removing") return { state: "stopped" };
    const engineError = st.Error?.trim();
    if (st.Status === "created") {
      return {
        state: "failed",
        reason: engineError ? `could not start: ${engineError}` : "the container was created but never started",
      };
    }
    // exited or dead
    const exitCode = typeof st.ExitCode === "number" ? st.ExitCode : undefined;
    if (st.OOMKilled) {
      const limit = info.HostConfig?.Memory ?? 0;
      const reason = limit > 0 ? `out of memory (limit ${formatMemLimit(limit)})` : "out of memory";
      return exitCode === undefined ? { state: "failed", reason, oomKilled: true } : { state: "failed", reason, exitCode, oomKilled: true };
    }
    let reason = exitCode === undefined ? "exited" : `exited with code ${exitCode}`;
    if (engineError) reason += `: ${engineError}`;
    else {
      const line = await this.lastLogLine(info.Id);
      if (line && line.length <= 200) reason += `: ${line}`;
    }
    return exitCode === undefined ? { state: "failed", reason } : { state: "failed", reason, exitCode };
  }

  async status(ref: ServerRef): Promise<ServerStatus> {
    const info = await this.findOwn(ref);
    return info ? this.statusOf(info) : { state: "stopped" };
  }

  // --- start -----------------------------------------------------------------------------------

  private hostPort(info: ContainerInfo): number | undefined {
    const bindings = info.NetworkSettings?.Ports?.[PORT_KEY] ?? [];
    const pick = bindings.find((b) => b.HostIp === this.publishHost) ?? bindings[0];
    const port = pick ? Number(pick.HostPort) : NaN;
    return Number.isInteger(port) && port > 0 ? port : undefined;
  }

  private urlFor(name: string, port: number | undefined): string | undefined {
    if (this.network) return `http://${name}:${JUPYTER_PORT}`;
    return port === undefined ? undefined : `http://${this.urlHost}:${port}`;
  }

  private stateOf(info: ContainerInfo): SpawnerState {
    const name = info.Name.replace(/^\//, "");
    const port = this.network ? undefined : this.hostPort(info);
    return port === undefined ? { containerId: info.Id, containerName: name } : { containerId: info.Id, containerName: name, port };
  }

  private running(info: ContainerInfo): { url: string; state: SpawnerState } {
    const state = this.stateOf(info);
    const url = this.urlFor(state.containerName, state.port);
    if (!url) {
      throw new SpawnError(
        `The container ${state.containerName} is running but publishes no port ${PORT_KEY}; stop the server and start it again.`,
        "engine_error",
      );
    }
    return { url, state };
  }

  async start(spec: ServerSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url: string; state: SpawnerState }> {
    validateName("user", spec.user);
    validateName("server", spec.server);
    if (!Number.isFinite(spec.cpu) || spec.cpu <= 0) throw new TypeError(`cpu must be a positive number of cores, not ${spec.cpu}.`);
    if (!Number.isFinite(spec.memGb) || spec.memGb <= 0) throw new TypeError(`memGb must be a positive number of GiB, not ${spec.memGb}.`);
    envList(spec.env);
    try {
      return await this.startContainer(spec, onEvent);
    } catch (err) {
      // Every engine-side failure of start() is a SpawnError (EngineUnavailableError is one).
      if (err instanceof SpawnError || err instanceof TypeError) throw err;
      throw new SpawnError(err instanceof Error ? err.message : String(err), "engine_error");
    }
  }

  private async startContainer(spec: ServerSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url: string; state: SpawnerState }> {
    const name = containerName(spec);

    // Independent engine round trips go out together: under 20 simultaneous starts every one of them
    // queues behind the others' on the engine socket.
    const [existing, image] = await Promise.all([this.inspectByName(name), this.imageInfo(spec.image)]);
    if (existing && !this.isOurs(existing, spec)) {
      throw new SpawnError(`The container name ${name} is already used by a container that is not this server's.`, "engine_error");
    }
    if (existing?.State.Running) return this.running(existing);

    if (!image.present) {
      throw new SpawnError(`The image "${spec.image}" is not on the engine; an admin has to build or pull it.`, "image_missing");
    }

    onEvent?.({ phase: "creating", message: `Creating container ${name} from ${spec.image}` });
    // A leftover from a previous run (exited, dead, or created but never started) is replaced.
    await Promise.all([existing ? this.removeContainer(existing.Id) : undefined, this.ensureVolume(spec.user)]);

    const create = containerCreateOptions(spec, { network: this.network, publishHost: this.publishHost });

    let id: string;
    try {
      const container = await this.call((abortSignal) => this.docker.createContainer({ ...create, abortSignal }));
      id = container.id;
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 409) {
        // Another start() for the same server got there first: carry on with its container.
        const other = await this.inspectByName(name);
        if (!other || !this.isOurs(other, spec)) {
          throw new SpawnError(`The container name ${name} is already in use: ${engineMessage(err)}`, "engine_error");
        }
        if (other.State.Running) return this.running(other);
        id = other.Id;
      } else if (code === 404 && /image/i.test(engineMessage(err))) {
        throw new SpawnError(`The image "${spec.image}" is not on the engine; an admin has to build or pull it.`, "image_missing");
      } else if (err instanceof EngineUnavailableError) {
        throw err;
      } else {
        throw new SpawnError(`The container engine could not create the container ${name}: ${engineMessage(err)}`, "engine_error");
      }
    }

    onEvent?.({ phase: "starting", message: `Starting container ${name}` });
    try {
      await this.call((abortSignal) => this.docker.getContainer(id).start({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) !== 304) {
        if (err instanceof EngineUnavailableError) throw err;
        throw new SpawnError(`The container engine could not start the container ${name}: ${engineMessage(err)}`, "engine_error");
      }
    }

    const info = await this.inspectByName(id);
    if (!info) throw new SpawnError(`The container ${name} disappeared right after it started.`, "engine_error");
    if (!info.State.Running) {
      const status = await this.statusOf(info);
      const failure: FailedStatus = status.state === "failed" ? status : { state: "failed", reason: "stopped" };
      throw new SpawnError(`The server stopped right after it started: ${failure.reason}.`, "engine_error", failure);
    }
    return this.running(info);
  }

  private async ensureVolume(user: string): Promise<void> {
    // Creating a volume that exists returns the existing one, so this is idempotent.
    try {
      await this.call((abortSignal) =>
        this.docker.createVolume({
          Name: volumeName(user),
          Labels: { [LABEL_USER]: user, [LABEL_MANAGED]: "true" },
          abortSignal,
        }),
      );
    } catch (err) {
      if (err instanceof EngineUnavailableError) throw err;
      throw new SpawnError(`The container engine could not create the volume ${volumeName(user)}: ${engineMessage(err)}`, "engine_error");
    }
  }

  // --- stop / remove ---------------------------------------------------------------------------

  async stop(ref: ServerRef): Promise<void> {
    const info = await this.findOwn(ref);
    if (!info) return;
    if (info.State.Running || info.State.Paused || info.State.Restarting) {
      try {
        await this.call(
          (abortSignal) => this.docker.getContainer(info.Id).stop({ t: STOP_GRACE_S, abortSignal }),
          STOP_GRACE_S * 1000 + this.timeoutMs,
        );
      } catch (err) {
        // 304 (already stopped), 404 (already gone) or any other refusal: the forced removal below
        // still applies and reports a real problem. Only an unreachable engine stops here.
        if (err instanceof EngineUnavailableError) throw err;
      }
    }
    await this.removeContainer(info.Id);
  }

  async remove(ref: ServerRef): Promise<void> {
    const info = await this.findOwn(ref);
    if (info) await this.removeContainer(info.Id);
  }

  async removeVolume(user: string): Promise<void> {
    validateName("user", user);
    try {
      await this.call((abortSignal) => this.docker.getVolume(volumeName(user)).remove({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      throw this.failure(`remove the volume ${volumeName(user)}`, err);
    }
  }

  // --- list ------------------------------------------------------------------------------------

  async list(): Promise<ListedServer[]> {
    let containers: Dockerode.ContainerInfo[];
    try {
      containers = await this.call((abortSignal) =>
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] }, abortSignal }),
      );
    } catch (err) {
      throw this.failure("list containers", err);
    }
    const listed = await mapLimit(containers, 8, async (c): Promise<ListedServer | undefined> => {
      const user = c.Labels?.[LABEL_USER];
      const server = c.Labels?.[LABEL_SERVER];
      if (!user || !server) return undefined;
      const info = await this.inspectByName(c.Id);
      if (!info) return undefined; // removed meanwhile
      const state = this.stateOf(info);
      const status = await this.statusOf(info);
      const url = status.state === "running" ? this.urlFor(state.containerName, state.port) : undefined;
      const entry: ListedServer = { user, server, environment: c.Labels[LABEL_ENV] ?? "", state, status };
      if (url) entry.url = url;
      return entry;
    });
    return listed.filter((x): x is ListedServer => x !== undefined);
  }

  // --- exec ------------------------------------------------------------------------------------

  private async requireRunning(ref: ServerRef): Promise<ContainerInfo> {
    const info = await this.findOwn(ref);
    if (!info || !info.State.Running) throw new ServerNotRunningError(`The server ${ref.user}/${ref.server} is not running.`);
    return info;
  }

  async exec(ref: ServerRef, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string")) {
      throw new TypeError("exec needs a non-empty argv array of strings.");
    }
    const info = await this.requireRunning(ref);
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
      exec = await this.call((abortSignal) => this.docker.getContainer(info.Id).exec({ ...createOpts, abortSignal }));
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404 || code === 409) throw new ServerNotRunningError(`The server ${ref.user}/${ref.server} is not running.`);
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

  // --- stats, images, ping -----------------------------------------------------------------------

  async stats(ref: ServerRef): Promise<{ cpu: number; memBytes: number }> {
    const info = await this.requireRunning(ref);
    let s: Dockerode.ContainerStats;
    try {
      s = await this.call((abortSignal) => {
        const opts = { stream: false as const, abortSignal };
        return this.docker.getContainer(info.Id).stats(opts);
      });
    } catch (err) {
      if (statusCodeOf(err) === 404) throw new ServerNotRunningError(`The server ${ref.user}/${ref.server} is not running.`);
      throw this.failure("read the workspace's usage", err);
    }
    return { cpu: cpuCores(s), memBytes: memoryUsed(s) };
  }

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

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
