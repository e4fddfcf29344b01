/**
 * The Docker backend of the Spawner: one container per (user, server) on one engine, reached
 * through a port published on 127.0.0.1 (portal on the host) or by container name on a
 * user-defined network (portal in docker-compose). One named volume per user holds the home
 * directory and outlives every container. What goes into the container is shared with the swarm
 * backend (container-spec.ts); talking to the engine is engine.ts.
 */
import Dockerode from "dockerode";
import {
  HOST_GATEWAY_NAME,
  JUPYTER_PORT,
  LABEL_MANAGED,
  LABEL_ENV,
  LABEL_SERVER,
  LABEL_USER,
  LABEL_USER_ID,
  STOP_GRACE_S,
  containerName,
  exitReason,
  homeMount,
  imageMissingMessage,
  labelsMatch,
  memoryBytes,
  nanoCpus,
  notRunning,
  oomReason,
  validateName,
  validateSpec,
  workspaceCmd,
  workspaceEnv,
  urlHostOf,
  volumeLabels,
  workspaceLabels,
} from "./container-spec";
import { mapLimit } from "@/lib/util/map-limit";
import { Engine, engineMessage, statusCodeOf, type EngineOptions } from "./engine";
import {
  EngineUnavailableError,
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

export {
  JUPYTER_PORT,
  LABEL_ENV,
  LABEL_MANAGED,
  LABEL_SERVER,
  LABEL_USER,
  LABEL_USER_ID,
  containerName,
  formatMemLimit,
  legacyVolumeName,
} from "./container-spec";
export { cpuCores, memoryUsed } from "./engine";

export interface DockerSpawnerOptions extends EngineOptions {
  /** A user-defined network to attach workspaces to; then no port is published. */
  network?: string;
  /** Where the Jupyter port is published (default 127.0.0.1, never all interfaces by default). */
  publishHost?: string;
}

const PORT_KEY = `${JUPYTER_PORT}/tcp`;

/**
 * Everything the engine is asked for when a workspace container is created: limits, init, the home
 * volume, extra hosts, labels, the published port or the network. Exported so bench:spawn's raw
 * baseline creates exactly the same container.
 */
export function containerCreateOptions(spec: ServerSpec, placement: { network?: string; publishHost: string }): Dockerode.ContainerCreateOptions {
  const hostConfig: Dockerode.HostConfig = {
    NanoCpus: nanoCpus(spec),
    Memory: memoryBytes(spec),
    MemorySwap: memoryBytes(spec),
    Init: true,
    ExtraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`],
    RestartPolicy: { Name: "no" },
    Mounts: [homeMount(spec)],
    ...(placement.network
      ? { NetworkMode: placement.network }
      : { PortBindings: { [PORT_KEY]: [{ HostIp: placement.publishHost, HostPort: "" }] } }),
  };
  const create: Dockerode.ContainerCreateOptions = {
    name: containerName(spec),
    Image: spec.image,
    Env: workspaceEnv(spec),
    Labels: workspaceLabels(spec),
    ExposedPorts: { [PORT_KEY]: {} },
    HostConfig: hostConfig,
  };
  const cmd = workspaceCmd(spec);
  if (cmd) create.Cmd = cmd;
  return create;
}

// ---------------------------------------------------------------------------------------------

type ContainerInfo = Dockerode.ContainerInspectInfo;

export class DockerSpawner implements Spawner {
  readonly docker: Dockerode;
  private readonly engine: Engine;
  private readonly network: string | undefined;
  private readonly publishHost: string;
  private readonly urlHost: string;

  constructor(opts: DockerSpawnerOptions = {}) {
    this.engine = new Engine(opts);
    this.docker = this.engine.docker;
    this.network = opts.network?.trim() || undefined;
    this.publishHost = opts.publishHost?.trim() || "127.0.0.1";
    this.urlHost = urlHostOf(this.publishHost);
  }

  private call<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs?: number): Promise<T> {
    return this.engine.call(fn, timeoutMs);
  }

  private failure(what: string, err: unknown): Error {
    return this.engine.failure(what, err);
  }

  private isOurs(info: ContainerInfo, ref: ServerRef, userId?: string): boolean {
    return labelsMatch(info.Config?.Labels, ref, userId);
  }

  /** The container named for ref, whoever owns it; undefined when there is none. */
  private inspectByName(name: string): Promise<ContainerInfo | undefined> {
    return this.engine.inspectContainer(name);
  }

  /**
   * The container whose labels are ref's, whatever it is named: containers made before names became
   * injective are called atrium-<user>-<server> and are still adopted, stopped and removed.
   */
  private async findByLabel(ref: ServerRef): Promise<ContainerInfo | undefined> {
    let found: Dockerode.ContainerInfo[];
    try {
      found = await this.call((abortSignal) =>
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_USER}=${ref.user}`, `${LABEL_SERVER}=${ref.server}`] }, abortSignal }),
      );
    } catch (err) {
      throw this.failure("list containers", err);
    }
    const c = found.find((x) => labelsMatch(x.Labels, ref));
    return c ? this.inspectByName(c.Id) : undefined;
  }

  /** The container of ref; undefined when there is none (a name taken by another server's container does not count). */
  private async findOwn(ref: ServerRef): Promise<ContainerInfo | undefined> {
    validateName("user", ref.user);
    validateName("server", ref.server);
    const info = await this.inspectByName(containerName(ref));
    return info && this.isOurs(info, ref) ? info : this.findByLabel(ref);
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
      const reason = oomReason(info.HostConfig?.Memory);
      return exitCode === undefined ? { state: "failed", reason, oomKilled: true } : { state: "failed", reason, exitCode, oomKilled: true };
    }
    let detail = engineError;
    if (!detail) {
      const line = await this.engine.lastLogLine(info.Id);
      if (line && line.length <= 200) detail = line;
    }
    const reason = exitReason(exitCode, detail);
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
    validateSpec(spec);
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
    // Only the container of this name is reused (a concurrent start's): one found by label under an old
    // name has another Jupyter token, and may be another portal's on a shared engine. One labelled with
    // another person's id (a deleted namesake's) is never this server's.
    const [existing, image] = await Promise.all([this.inspectByName(name), this.engine.imageInfo(spec.image)]);
    if (existing && !this.isOurs(existing, spec, spec.userId)) {
      throw new SpawnError(`The container name ${name} is already used by a container that is not this server's.`, "engine_error");
    }
    if (existing?.State.Running) return this.running(existing);

    if (!image.present) {
      throw new SpawnError(imageMissingMessage(spec.image), "image_missing");
    }

    onEvent?.({ phase: "creating", message: `Creating container ${name} from ${spec.image}` });
    // A leftover from a previous run (exited, dead, or created but never started) is replaced.
    await Promise.all([existing ? this.removeContainer(existing.Id) : undefined, this.engine.ensureVolume(spec.homeVolume, volumeLabels(spec))]);

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
        if (!other || !this.isOurs(other, spec, spec.userId)) {
          throw new SpawnError(`The container name ${name} is already in use: ${engineMessage(err)}`, "engine_error");
        }
        if (other.State.Running) return this.running(other);
        id = other.Id;
      } else if (code === 404 && /image/i.test(engineMessage(err))) {
        throw new SpawnError(imageMissingMessage(spec.image), "image_missing");
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

  // --- stop / remove ---------------------------------------------------------------------------

  async stop(ref: ServerRef): Promise<void> {
    const info = await this.findOwn(ref);
    if (!info) return;
    if (info.State.Running || info.State.Paused || info.State.Restarting) {
      try {
        await this.call(
          (abortSignal) => this.docker.getContainer(info.Id).stop({ t: STOP_GRACE_S, abortSignal }),
          STOP_GRACE_S * 1000 + this.engine.timeoutMs,
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

  removeVolume(volume: string): Promise<void> {
    return this.engine.removeVolume(volume);
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
      const userId = c.Labels[LABEL_USER_ID];
      if (userId) entry.userId = userId;
      if (url) entry.url = url;
      return entry;
    });
    return listed.filter((x): x is ListedServer => x !== undefined);
  }

  // --- exec ------------------------------------------------------------------------------------

  private async requireRunning(ref: ServerRef): Promise<ContainerInfo> {
    const info = await this.findOwn(ref);
    if (!info || !info.State.Running) throw notRunning(ref);
    return info;
  }

  async exec(ref: ServerRef, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string")) {
      throw new TypeError("exec needs a non-empty argv array of strings.");
    }
    const info = await this.requireRunning(ref);
    return this.engine.exec(info.Id, cmd, opts, () => notRunning(ref));
  }

  // --- stats, images, ping -----------------------------------------------------------------------

  async stats(ref: ServerRef): Promise<{ cpu: number; memBytes: number }> {
    const info = await this.requireRunning(ref);
    return this.engine.stats(info.Id, () => notRunning(ref));
  }

  imageInfo(image: string): Promise<{ present: boolean; id?: string }> {
    return this.engine.imageInfo(image);
  }

  ping(): Promise<boolean> {
    return this.engine.ping();
  }
}
