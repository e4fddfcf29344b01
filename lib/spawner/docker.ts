/**
 * The Docker backend of the Spawner: one container per (user, server) on one engine, reached
 * through a port published on 127.0.0.1 from the isolated network (portal on the host; networks.ts)
 * or by container name on its owner's own network, which the portal's container joins (portal in
 * docker-compose; portal-container.ts). Every container gets
 * the hardened spec (hardening.ts). One named volume per user holds the home
 * directory and outlives every container. What goes into the container is shared with the swarm
 * backend (container-spec.ts), what a backend does with its object is workload-spawner.ts, and
 * talking to the engine is engine.ts; this file says what a container is.
 */
import Dockerode from "dockerode";
import {
  HOST_GATEWAY_NAME,
  JUPYTER_PORT,
  LABEL_USER_ID,
  containerName,
  homeMount,
  memoryBytes,
  nanoCpus,
  notRunning,
  workspaceCmd,
  jupyterEnvList,
  urlHostOf,
  volumeLabels,
  workspaceLabels,
} from "./container-spec";
import { mapLimit } from "@/lib/util/map-limit";
import { Engine, type EngineOptions } from "./engine";
import { hardenedHostConfig, hardening } from "./hardening";
import { WorkloadNetworks, warnUnreached, workloadNetwork } from "./networks";
import { PortalContainer } from "./portal-container";
import { SpawnError, type ServerRef, type ServerSpec, type ServerStatus } from "./types";
import { DockerJobRunner } from "./docker-jobs";
import { WorkloadSpawner } from "./workload-spawner";

export interface DockerSpawnerOptions extends EngineOptions {
  /**
   * The portal's own user-defined network (docker-compose): then each person's workloads go on a
   * network of their own that the portal's container joins, no port is published, and the portal
   * reaches a workspace by name (docs/architecture.md §7). Unset: the isolated network
   * (networks.ts), ports published on publishHost.
   */
  network?: string;
  /** With `network`: the portal's container (ATRIUM_PORTAL_CONTAINER); unset: found (portal-container.ts). */
  portalContainer?: string;
  /** Where the Jupyter port is published (default 127.0.0.1, never all interfaces by default). */
  publishHost?: string;
}

const PORT_KEY = `${JUPYTER_PORT}/tcp`;

/** Where a container goes: its network, and where its port is published (none on the portal's shared network). */
export interface Placement {
  network: string;
  publishHost?: string;
}

/**
 * Everything the engine is asked for when a workspace container is created: limits, the hardened
 * spec, init, the home volume, extra hosts, labels, the network and the published port. Exported so
 * bench:spawn's raw baseline creates exactly the same container.
 */
export function containerCreateOptions(spec: ServerSpec, placement: Placement): Dockerode.ContainerCreateOptions {
  const hostConfig: Dockerode.HostConfig = {
    NanoCpus: nanoCpus(spec),
    Memory: memoryBytes(spec),
    MemorySwap: memoryBytes(spec),
    ...hardenedHostConfig(hardening(spec.pids)),
    Init: true,
    ExtraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`],
    RestartPolicy: { Name: "no" },
    Mounts: [homeMount(spec)],
    NetworkMode: placement.network,
    ...(placement.publishHost === undefined ? {} : { PortBindings: { [PORT_KEY]: [{ HostIp: placement.publishHost, HostPort: "" }] } }),
  };
  const create: Dockerode.ContainerCreateOptions = {
    name: containerName(spec),
    Image: spec.image,
    Env: jupyterEnvList(spec),
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

export class DockerSpawner extends WorkloadSpawner<ContainerInfo> {
  readonly docker: Dockerode;
  protected readonly runtime: Engine;
  protected readonly kind = "container";
  protected readonly jobs: DockerJobRunner;
  /** The portal's shared network (reached by name), or undefined: the isolated network, reached by published port. */
  private readonly sharedNetwork: string | undefined;
  private readonly publishHost: string;
  private readonly urlHost: string;
  private readonly networks: WorkloadNetworks;

  constructor(opts: DockerSpawnerOptions = {}) {
    super();
    this.runtime = new Engine(opts);
    this.docker = this.runtime.docker;
    this.sharedNetwork = opts.network?.trim() || undefined;
    this.publishHost = opts.publishHost?.trim() || "127.0.0.1";
    this.urlHost = urlHostOf(this.publishHost);
    const portal = this.sharedNetwork
      ? new PortalContainer(this.runtime, { network: this.sharedNetwork, container: opts.portalContainer?.trim() || undefined })
      : undefined;
    this.networks = new WorkloadNetworks(this.runtime, portal ? "personal-bridge" : "isolated-bridge", portal);
    this.jobs = new DockerJobRunner(this.runtime, (ownerId) => this.networks.prepare(ownerId));
  }

  private placementOf(ownerId: string): Placement {
    const network = workloadNetwork(this.networks.scheme, ownerId).name;
    return this.sharedNetwork ? { network } : { network, publishHost: this.publishHost };
  }

  protected inspect(nameOrId: string): Promise<ContainerInfo | undefined> {
    return this.runtime.inspectContainer(nameOrId);
  }

  protected async listLabelled(labels: string[]): Promise<ContainerInfo[]> {
    const found = await this.runtime.request("list containers", (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: labels }, abortSignal }),
    );
    const infos = await mapLimit(found, 8, (c) => this.inspect(c.Id));
    return infos.filter((i): i is ContainerInfo => i !== undefined); // removed meanwhile
  }

  protected labelsOf(info: ContainerInfo): Record<string, string> | undefined {
    return info.Config?.Labels;
  }

  protected idOf(info: ContainerInfo): string {
    return info.Id;
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
      return { state: "failed", reason: engineError ? `could not start: ${engineError}` : "the container was created but never started" };
    }
    // exited or dead
    return this.ended({
      exitCode: typeof st.ExitCode === "number" ? st.ExitCode : undefined,
      oomKilled: st.OOMKilled,
      memLimitBytes: info.HostConfig?.Memory,
      detail: engineError,
      logsOf: info.Id,
    });
  }

  protected async describe(info: ContainerInfo): Promise<{ status: ServerStatus; url?: string }> {
    const status = await this.statusOf(info);
    if (status.state === "running") await this.networks.reach(info.Config?.Labels?.[LABEL_USER_ID]).catch(warnUnreached);
    return { status, url: status.state === "running" ? this.urlOf(info) : undefined };
  }

  // --- where it answers --------------------------------------------------------------------------

  private urlOf(info: ContainerInfo): string | undefined {
    if (this.sharedNetwork) return `http://${info.Name.replace(/^\//, "")}:${JUPYTER_PORT}`;
    const bindings = info.NetworkSettings?.Ports?.[PORT_KEY] ?? [];
    const pick = bindings.find((b) => b.HostIp === this.publishHost) ?? bindings[0];
    const port = pick ? Number(pick.HostPort) : NaN;
    return Number.isInteger(port) && port > 0 ? `http://${this.urlHost}:${port}` : undefined;
  }

  private located(info: ContainerInfo): string {
    const url = this.urlOf(info);
    if (url) return url;
    const name = info.Name.replace(/^\//, "");
    throw new SpawnError(
      `The container ${name} is running but publishes no port ${PORT_KEY}; stop the server and start it again.`,
      "engine_error",
    );
  }

  // --- start -----------------------------------------------------------------------------------

  protected async reuse(info: ContainerInfo): Promise<string | undefined> {
    return info.State.Running ? this.located(info) : undefined;
  }

  protected async prepare(spec: ServerSpec): Promise<void> {
    await this.networks.prepare(spec.userId);
    await this.runtime.ensureVolume(spec.homeVolume, volumeLabels(spec));
  }

  protected async create(spec: ServerSpec): Promise<string> {
    const create = containerCreateOptions(spec, this.placementOf(spec.userId));
    return (await this.runtime.call((abortSignal) => this.docker.createContainer({ ...create, abortSignal }))).id;
  }

  protected async run(id: string, name: string): Promise<string> {
    // 304: already started (a concurrent start's container).
    await this.runtime.lookup(`start the container ${name}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), [304]);
    const info = await this.inspect(id);
    if (!info) throw new SpawnError(`The container ${name} disappeared right after it started.`, "engine_error");
    if (!info.State.Running) {
      const status = await this.statusOf(info);
      const failure = status.state === "failed" ? status : { state: "failed" as const, reason: "stopped" };
      throw new SpawnError(`The server stopped right after it started: ${failure.reason}.`, "engine_error", failure);
    }
    return this.located(info);
  }

  // --- stop / remove ---------------------------------------------------------------------------

  protected async end(info: ContainerInfo, how: "stop" | "kill"): Promise<void> {
    // The forced removal kills; a graceful stop comes first.
    if (how === "stop" && (info.State.Running || info.State.Paused || info.State.Restarting)) await this.runtime.halt(info.Id, "stop");
    // 404: already gone; 409: a removal is already in progress.
    const remove = (abortSignal: AbortSignal) => this.docker.getContainer(info.Id).remove({ force: true, abortSignal });
    await this.runtime.lookup("remove a container", remove, [404, 409]);
  }

  removeIdleNetworks(): Promise<string[]> {
    return this.networks.removeIdle();
  }

  // --- exec, stats -------------------------------------------------------------------------------

  protected async runningContainer(ref: ServerRef): Promise<string> {
    const info = await this.findOwn(ref);
    if (!info || !info.State.Running) throw notRunning(ref);
    return info.Id;
  }
}
