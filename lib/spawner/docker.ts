/**
 * The Docker backend of the Spawner: one container per workload on one engine, reached through a
 * port published on 127.0.0.1 from the isolated network (portal on the host; networks.ts) or by
 * container name on its owner's own network, which the portal's container joins (portal in
 * docker-compose; portal-container.ts). Every container gets the
 * hardened spec (hardening.ts) and the volumes its spec names, which outlive every container. What
 * goes into the container is shared with the swarm backend (container-spec.ts), what a backend
 * does with its object is workload-spawner.ts, and talking to the engine is engine.ts; this file
 * says what a container is.
 */
import Dockerode from "dockerode";
import type { OutputLimit } from "./bounded-output";
import { containerFile, containerLogLines } from "./container-output";
import {
  HOST_GATEWAY_NAME,
  envList,
  memoryBytes,
  mountsOf,
  nanoCpus,
  notRunning,
  objectLabels,
  urlHostOf,
  volumeLabels,
} from "./container-spec";
import { mapLimit } from "@/lib/util/map-limit";
import { Engine, type EngineOptions } from "./engine";
import { hardenedHostConfig, hardening } from "./hardening";
import { LABEL_USER_ID, nounOf, objectName, portOf, runsToCompletion } from "./kinds";
import { WorkloadNetworks, warnUnreached } from "./networks";
import { PortalContainer } from "./portal-container";
import { SpawnError, type WorkloadRef, type WorkloadSpec, type WorkloadStatus } from "./types";
import { WorkloadSpawner } from "./workload-spawner";

export interface DockerSpawnerOptions extends EngineOptions {
  /**
   * The portal's own user-defined network (docker-compose): then each person's workloads go on a
   * network of their own that the portal's container joins, no port is published, and the portal
   * reaches a workload by name (docs/architecture.md §7). Unset: the isolated network
   * (networks.ts), ports published on publishHost.
   */
  network?: string;
  /** With `network`: the portal's container (ATRIUM_PORTAL_CONTAINER); unset: found (portal-container.ts). */
  portalContainer?: string;
  /** Where a workload's port is published (default 127.0.0.1, never all interfaces by default). */
  publishHost?: string;
}

const portKey = (port: number) => `${port}/tcp`;

/** Where a container goes: its network, and where its port is published (none on the portal's shared network). */
export interface Placement {
  network: string;
  publishHost?: string;
}

/**
 * Everything the engine is asked for when a workload's container is created: limits, the hardened
 * spec, init, the volumes, extra hosts, labels, the network and the published port. Exported so
 * bench:spawn's raw baseline creates exactly the same container.
 */
export function containerCreateOptions(spec: WorkloadSpec, placement: Placement): Dockerode.ContainerCreateOptions {
  const port = spec.port === undefined ? undefined : portKey(spec.port);
  const published = port !== undefined && placement.publishHost !== undefined;
  return {
    name: objectName(spec.ref),
    Image: spec.image,
    // As Kubernetes: a command without args runs without the image's command.
    ...(spec.command ? { Entrypoint: spec.command, Cmd: spec.args ?? [] } : spec.args ? { Cmd: spec.args } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    Env: envList(spec.env),
    Labels: objectLabels(spec),
    ...(port ? { ExposedPorts: { [port]: {} } } : {}),
    HostConfig: {
      NanoCpus: nanoCpus(spec),
      Memory: memoryBytes(spec),
      MemorySwap: memoryBytes(spec),
      ...hardenedHostConfig(hardening(spec.pids)),
      Init: true,
      ExtraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`],
      RestartPolicy: { Name: "no" },
      Mounts: mountsOf(spec),
      NetworkMode: placement.network,
      ...(published ? { PortBindings: { [port]: [{ HostIp: placement.publishHost, HostPort: "" }] } } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------

type ContainerInfo = Dockerode.ContainerInspectInfo;

export class DockerSpawner extends WorkloadSpawner<ContainerInfo> {
  readonly docker: Dockerode;
  protected readonly runtime: Engine;
  protected readonly objectType = "container";
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
  }

  private placementOf(spec: WorkloadSpec): Placement {
    const network = this.networks.nameFor(spec.ownerId);
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

  private async statusOf(info: ContainerInfo, ref: WorkloadRef): Promise<WorkloadStatus> {
    const st = info.State;
    // A run-to-completion kind's container is created and then started: between the two it is on its way.
    if (st.Running || st.Restarting || st.Paused || (st.Status === "created" && runsToCompletion(ref.kind))) {
      const startedAt = st.StartedAt && !st.StartedAt.startsWith("0001-") ? st.StartedAt : undefined;
      return startedAt ? { state: "running", startedAt } : { state: "running" };
    }
    if (st.Status === "removing") return { state: "stopped" };
    const engineError = st.Error?.trim();
    if (st.Status === "created") {
      return { state: "failed", reason: engineError ? `could not start: ${engineError}` : "the container was created but never started" };
    }
    // exited or dead
    return this.ended(ref, {
      exitCode: typeof st.ExitCode === "number" ? st.ExitCode : undefined,
      oomKilled: st.OOMKilled,
      memLimitBytes: info.HostConfig?.Memory,
      detail: engineError,
      logsOf: info.Id,
    });
  }

  protected async describe(info: ContainerInfo, ref: WorkloadRef): Promise<{ status: WorkloadStatus; url?: string }> {
    const status = await this.statusOf(info, ref);
    const url = status.state === "running" ? this.urlOf(info) : undefined;
    if (url) await this.networks.reach(info.Config?.Labels?.[LABEL_USER_ID]).catch(warnUnreached);
    return { status, url };
  }

  // --- where it answers --------------------------------------------------------------------------

  private urlOf(info: ContainerInfo): string | undefined {
    const port = portOf(info.Config?.Labels);
    if (port === undefined) return undefined;
    if (this.sharedNetwork) return `http://${info.Name.replace(/^\//, "")}:${port}`;
    const bindings = info.NetworkSettings?.Ports?.[portKey(port)] ?? [];
    const pick = bindings.find((b) => b.HostIp === this.publishHost) ?? bindings[0];
    const published = pick ? Number(pick.HostPort) : NaN;
    return Number.isInteger(published) && published > 0 ? `http://${this.urlHost}:${published}` : undefined;
  }

  /** Where a running container answers; none for a workload without a port. */
  private located(info: ContainerInfo): { url?: string } {
    const port = portOf(info.Config?.Labels);
    if (port === undefined) return {};
    const url = this.urlOf(info);
    if (url) return { url };
    const name = info.Name.replace(/^\//, "");
    throw new SpawnError(
      `The container ${name} is running but publishes no port ${portKey(port)}; stop it and start it again.`,
      "engine_error",
    );
  }

  // --- start -----------------------------------------------------------------------------------

  protected async reuse(info: ContainerInfo): Promise<{ url?: string } | undefined> {
    return info.State.Running ? this.located(info) : undefined;
  }

  protected async prepare(spec: WorkloadSpec): Promise<void> {
    await this.networks.prepare(spec.ownerId);
    for (const m of spec.mounts) await this.runtime.ensureVolume(m.volume, volumeLabels(spec));
  }

  protected async create(spec: WorkloadSpec): Promise<string> {
    const create = containerCreateOptions(spec, this.placementOf(spec));
    return (await this.runtime.call((abortSignal) => this.docker.createContainer({ ...create, abortSignal }))).id;
  }

  protected async run(id: string, spec: WorkloadSpec): Promise<{ url?: string }> {
    const name = objectName(spec.ref);
    // 304: already started (a concurrent start's container).
    await this.runtime.lookup(`start the container ${name}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), [304]);
    if (runsToCompletion(spec.ref.kind)) return {}; // it may well have ended already: status() says how
    const info = await this.inspect(id);
    if (!info) throw new SpawnError(`The container ${name} disappeared right after it started.`, "engine_error");
    if (!info.State.Running) {
      const status = await this.statusOf(info, spec.ref);
      const failure = status.state === "failed" ? status : { state: "failed" as const, reason: "stopped" };
      throw new SpawnError(`The ${nounOf(spec.ref)} stopped right after it started: ${failure.reason}.`, "engine_error", failure);
    }
    return this.located(info);
  }

  // --- stop / remove ---------------------------------------------------------------------------

  protected async end(info: ContainerInfo, _ref: WorkloadRef, how: "stop" | "kill"): Promise<void> {
    // The forced removal kills; a graceful stop comes first.
    if (how === "stop" && (info.State.Running || info.State.Paused || info.State.Restarting)) await this.runtime.halt(info.Id, "stop");
    // 404: already gone; 409: a removal is already in progress.
    const remove = (abortSignal: AbortSignal) => this.docker.getContainer(info.Id).remove({ force: true, abortSignal });
    await this.runtime.lookup("remove a container", remove, [404, 409]);
  }

  removeIdleNetworks(): Promise<string[]> {
    return this.networks.removeIdle();
  }

  // --- what it leaves to read, exec, stats -----------------------------------------------------

  protected logsOf(info: ContainerInfo, _ref: WorkloadRef, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>> {
    return containerLogLines(this.runtime, info.Id, follow, limit);
  }

  protected fileOf(info: ContainerInfo, path: string, limit: OutputLimit, dest: string): Promise<number | undefined> {
    return containerFile(this.runtime, info.Id, path, limit, dest);
  }

  protected async runningContainer(ref: WorkloadRef): Promise<string> {
    const info = await this.findOwn(ref);
    if (!info || !info.State.Running) throw notRunning(ref);
    return info.Id;
  }
}
