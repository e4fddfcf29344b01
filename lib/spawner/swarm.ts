/**
 * The Docker Swarm backend of the Spawner, as dockerspawner's SwarmSpawner: one service per
 * workload on its owner's own attachable overlay network (networks.ts), which the portal's container
 * joins when it is on the swarm (portal-container.ts), with the same labels, limits, environment and volumes
 * as the docker backend (container-spec.ts): a replicated service of one replica for a kind that
 * runs until stopped, a replicated job of one completion for one that runs to completion
 * (kinds.ts). The swarm places the task on a node that satisfies the constraints and has the
 * reserved CPU and memory free; the service's labels let the portal find everything again after a
 * restart. What it shares with the docker backend is workload-spawner.ts; this file says what a
 * service is.
 */
import type Dockerode from "dockerode";
import type { OutputLimit } from "./bounded-output";
import {
  HOST_GATEWAY_NAME,
  OOM_LOG_LINE,
  STOP_GRACE_S,
  envList,
  formatMemLimit,
  memoryBytes,
  mountsOf,
  nanoCpus,
  notRunning,
  objectLabels,
  urlHostOf,
  volumeLabels,
} from "./container-spec";
import { Engine, type EngineOptions } from "./engine";
import { demuxBuffer, lastLogLine } from "./exec-lines";
import { hardenedTask, hardening } from "./hardening";
import { LABEL_USER_ID, nounOf, objectName, portOf, runsToCompletion } from "./kinds";
import { WorkloadNetworks, warnUnreached } from "./networks";
import { PortalContainer } from "./portal-container";
import { serviceLogLines, serviceLogTail } from "./service-output";
import { OtherNodeError, SpawnError, type FailedStatus, type WorkloadRef, type WorkloadSpec, type WorkloadStatus } from "./types";
import { WorkloadSpawner } from "./workload-spawner";
import { RecentAnswers } from "@/lib/util/recent-answers";

const DEFAULT_SWARM_NETWORK = "atrium-swarm";

export interface SwarmSpawnerOptions extends EngineOptions {
  /** The portal's own overlay network, when it is a service on the swarm (default "atrium-swarm"). */
  network?: string;
  /**
   * The portal itself is a service on that network: its container joins each person's overlay, it
   * reaches a workload by service name there and no port is published. Otherwise (the portal on a
   * host, as in the tests) the port is published.
   */
  portalOnNetwork?: boolean;
  /** With portalOnNetwork: the portal's container (ATRIUM_PORTAL_CONTAINER); unset: found (portal-container.ts). */
  portalContainer?: string;
  /** The address of a port published on the portal's own node (default 127.0.0.1). */
  publishHost?: string;
  /** How long start() waits for the task to run (default 120 s). */
  startTimeoutMs?: number;
  /** How long start() lets a task wait for a suitable node before it gives up (default 10 s). */
  unschedulableGraceMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 120_000;
const DEFAULT_UNSCHEDULABLE_GRACE_MS = 10_000;
const POLL_MS = 250;
const NANOS_PER_S = 1e9;
/** Label the swarm puts on a task's container: how a local container is tied to its service. */
const SERVICE_ID_LABEL = "com.docker.swarm.service.id";

/** The part of a swarm task Atrium reads (dockerode types tasks as any). */
interface SwarmTask {
  ServiceID?: string;
  NodeID?: string;
  CreatedAt?: string;
  Version?: { Index?: number };
  Status?: {
    Timestamp?: string;
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  };
}

interface SwarmNode {
  Description?: { Hostname?: string };
  Status?: { Addr?: string };
}

/** Task states before "running": the task is still on its way (contract: counted as running). */
const ON_ITS_WAY = new Set(["new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting"]);

function taskTemplate(service: Dockerode.Service): Dockerode.ContainerTaskSpec | undefined {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it the lint cannot resolve ContainerSpec's type
  return service.Spec?.TaskTemplate as Dockerode.ContainerTaskSpec | undefined;
}

function cpusText(n: number): string {
  return `${Math.round(n * 100) / 100} CPU${n === 1 ? "" : "s"}`;
}

export class SwarmSpawner extends WorkloadSpawner<Dockerode.Service> {
  readonly docker: Dockerode;
  protected readonly runtime: Engine;
  protected readonly objectType = "service";
  protected override readonly engineName = "swarm";
  readonly network: string;
  private readonly portalOnNetwork: boolean;
  private readonly urlHost: string;
  private readonly startTimeoutMs: number;
  private readonly unschedulableGraceMs: number;
  private readonly networks: WorkloadNetworks;
  private readonly localNode = new RecentAnswers<string>(Infinity);

  constructor(opts: SwarmSpawnerOptions = {}) {
    super();
    this.runtime = new Engine(opts);
    this.docker = this.runtime.docker;
    this.network = opts.network?.trim() || DEFAULT_SWARM_NETWORK;
    this.portalOnNetwork = opts.portalOnNetwork ?? false;
    this.urlHost = urlHostOf(opts.publishHost?.trim() || "127.0.0.1");
    this.startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.unschedulableGraceMs = opts.unschedulableGraceMs ?? DEFAULT_UNSCHEDULABLE_GRACE_MS;
    const portal = this.portalOnNetwork
      ? new PortalContainer(this.runtime, { network: this.network, container: opts.portalContainer?.trim() || undefined })
      : undefined;
    this.networks = new WorkloadNetworks(this.runtime, "personal-overlay", portal, "swarm");
  }

  protected override startingMessage(name: string): string {
    return `Starting service ${name}: waiting for the swarm to place and run it`;
  }

  // --- the service's spec ------------------------------------------------------------------------

  /**
   * How the portal on a host reaches a workload's port: the port is published in host mode, on the node that
   * runs the task, and read back from the task's Status.PortStatus. Not the ingress routing mesh:
   * on a one-node swarm advertised on 127.0.0.1 (this machine, CI) a port published through ingress
   * never answered (connections hang), while host mode answered at once. Swarm cannot bind a
   * published port to one address, so host mode listens on all of the node's interfaces; a
   * workspace's Jupyter still wants its token, but on a node with a public interface run the portal
   * in the swarm (portalOnNetwork), where nothing is published and workloads are reached by service name.
   *
   * The endpoint mode is DNS round robin, not a virtual IP: the service name then resolves to the
   * task's own address. The virtual IP goes through IPVS, which (like ingress) never answered here,
   * and one replica gains nothing from load balancing.
   */
  serviceSpec(spec: WorkloadSpec): Dockerode.CreateServiceOptions {
    const once = runsToCompletion(spec.ref.kind);
    const labels = objectLabels(spec);
    const resources = { NanoCPUs: nanoCpus(spec), MemoryBytes: memoryBytes(spec) };
    const hardened = hardenedTask(hardening(spec.pids));
    // On whichever node the task lands, a missing volume is created with Atrium's labels.
    const volumeOptions = { Labels: volumeLabels(spec) } as NonNullable<Dockerode.MountSettings["VolumeOptions"]>;
    return {
      Name: objectName(spec.ref),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          // As Kubernetes: a command without args runs without the image's command.
          ...(spec.command ? { Command: spec.command, Args: spec.args ?? [] } : spec.args ? { Args: spec.args } : {}),
          ...(spec.workingDir ? { Dir: spec.workingDir } : {}),
          Env: envList(spec.env),
          Labels: labels,
          Init: true,
          // "IP name" in swarm's order; the engine resolves host-gateway as for `--add-host`.
          Hosts: [`host-gateway ${HOST_GATEWAY_NAME}`],
          Mounts: mountsOf(spec).map((m) => ({ ...m, VolumeOptions: volumeOptions })),
          StopGracePeriod: STOP_GRACE_S * NANOS_PER_S,
          ...hardened.containerSpec,
        },
        // Reserved as much as granted, so a node never holds more than it has (the quota in Postgres
        // promised it); not for a replicated job, whose finished tasks' reservations the engine counts
        // forever, until every new task is rejected (moby/moby#52652, fixed in swarmkit#3237).
        Resources: { Limits: { ...resources, ...hardened.limits }, ...(once ? {} : { Reservations: resources }) },
        // A crashed workload shows as failed with its reason, instead of restarting in a loop.
        RestartPolicy: { Condition: "none" },
        Placement: { Constraints: [...(spec.constraints ?? [])] },
        Networks: [{ Target: this.networks.nameFor(spec.ownerId) }],
      },
      Mode: once ? { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } : { Replicated: { Replicas: 1 } },
      ...(spec.port === undefined
        ? {}
        : {
            EndpointSpec: this.portalOnNetwork
              ? { Mode: "dnsrr" }
              : { Mode: "dnsrr", Ports: [{ Protocol: "tcp", TargetPort: spec.port, PublishMode: "host" }] },
          }),
    };
  }

  protected async prepare(spec: WorkloadSpec): Promise<void> {
    await this.networks.prepare(spec.ownerId);
  }

  // --- finding services and tasks ----------------------------------------------------------------

  protected inspect(nameOrId: string): Promise<Dockerode.Service | undefined> {
    const inspect = (abortSignal: AbortSignal) => this.docker.getService(nameOrId).inspect({ abortSignal }) as Promise<Dockerode.Service>;
    return this.runtime.lookup(`inspect the service ${nameOrId}`, inspect);
  }

  protected listLabelled(labels: string[]): Promise<Dockerode.Service[]> {
    return this.runtime.request("list services", (abortSignal) => this.docker.listServices({ filters: { label: labels }, abortSignal }));
  }

  protected labelsOf(service: Dockerode.Service): Record<string, string> | undefined {
    return service.Spec?.Labels;
  }

  protected idOf(service: Dockerode.Service): string {
    return service.ID;
  }

  /** The service's newest task; one replica and no restarts make it the only one that matters. */
  private async latestTask(serviceId: string): Promise<SwarmTask | undefined> {
    const list = (abortSignal: AbortSignal) =>
      this.docker.listTasks({ filters: { service: [serviceId] }, abortSignal }) as Promise<SwarmTask[]>;
    const tasks = await this.runtime.request("list the service's tasks", list);
    return tasks
      .filter((t) => t.ServiceID === undefined || t.ServiceID === serviceId)
      .sort((a, b) => (b.Version?.Index ?? 0) - (a.Version?.Index ?? 0) || (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""))[0];
  }

  private localNodeId(): Promise<string> {
    return this.localNode.get("", () => this.runtime.info().then((info) => info.Swarm?.NodeID ?? ""));
  }

  /** Only used to make a message or an address better: undefined when it cannot be read. */
  private node(id: string): Promise<SwarmNode | undefined> {
    const inspect = (abortSignal: AbortSignal) => this.docker.getNode(id).inspect({ abortSignal }) as Promise<SwarmNode>;
    return this.runtime.call(inspect).catch(() => undefined);
  }

  // --- status ------------------------------------------------------------------------------------

  /** "no suitable node (…)" with what the workload asked for, so a person knows what to change. */
  private unschedulableReason(service: Dockerode.Service, err: string): string {
    const task = taskTemplate(service);
    const constraints = task?.Placement?.Constraints ?? [];
    const limits = task?.Resources?.Reservations;
    const asks: string[] = [];
    if (/constraint/i.test(err) && constraints.length > 0) asks.push(`the environment needs ${constraints.join(", ")}`);
    if (/resource/i.test(err) && limits) {
      asks.push(`${cpusText((limits.NanoCPUs ?? 0) / NANOS_PER_S)} and ${formatMemLimit(limits.MemoryBytes ?? 0)} asked for`);
    }
    return asks.length > 0 ? `${err}: ${asks.join("; ")}` : err;
  }

  private async statusOf(service: Dockerode.Service, ref: WorkloadRef, task: SwarmTask | undefined): Promise<WorkloadStatus> {
    if (!task) return { state: "running" }; // just created: the orchestrator has not made the task yet
    const st = task.Status ?? {};
    const state = st.State ?? "new";
    const err = st.Err?.trim() ?? "";
    const containerId = st.ContainerStatus?.ContainerID;
    const localContainer = () => (containerId ? this.runtime.inspectContainer(containerId).catch(() => undefined) : undefined);
    if (state === "running") {
      // The task's state lags a few seconds behind its container (the agent reports it): a container
      // on this node that has died is believed at once, as the docker backend would see it.
      const local = await localContainer();
      if (local && !local.State.Running) return this.exitedStatus(service, ref, local.State.ExitCode, local);
      return st.Timestamp ? { state: "running", startedAt: st.Timestamp } : { state: "running" };
    }
    if (state === "pending" && /no suitable node/i.test(err)) return { state: "failed", reason: this.unschedulableReason(service, err) };
    // The contract knows no "starting": the lifecycle waits for Jupyter to answer anyway.
    if (ON_ITS_WAY.has(state)) return { state: "running" };
    if (state === "shutdown" || state === "remove") return { state: "stopped" };
    if (state === "orphaned") return { state: "failed", reason: "the node that ran it left the swarm or is down" };
    if (state === "rejected") {
      if (/no such image|pull access denied|manifest unknown|not found/i.test(err)) {
        const image = taskTemplate(service)?.ContainerSpec?.Image ?? "";
        return { state: "failed", reason: `image "${image}" is not on the engine of the node it was placed on` };
      }
      return { state: "failed", reason: err ? `could not start: ${err}` : "the swarm rejected the task" };
    }
    // failed or complete: the container ran and exited.
    const exitCode = st.ContainerStatus?.ExitCode ?? (state === "complete" ? 0 : undefined);
    return this.exitedStatus(service, ref, exitCode, await localContainer());
  }

  /**
   * Why a task's container ended: from the container itself on this node; from the task and the
   * service's log (through the manager) elsewhere, where an out-of-memory kill shows only as the
   * workload's own OOM_LOG_LINE (a task does not carry OOMKilled).
   */
  private async exitedStatus(
    service: Dockerode.Service,
    ref: WorkloadRef,
    exitCode: number | undefined,
    local?: Dockerode.ContainerInspectInfo,
  ): Promise<WorkloadStatus> {
    const memLimitBytes = taskTemplate(service)?.Resources?.Limits?.MemoryBytes;
    const tail = exitCode === 0 ? undefined : await serviceLogTail(this.runtime, service.ID).catch(() => undefined);
    const { out, err } = tail ? demuxBuffer(tail) : { out: "", err: "" };
    const oomKilled = local?.State.OOMKilled === true || `${out}\n${err}`.split("\n").some((l) => l.trim() === OOM_LOG_LINE);
    if (local) return this.ended(ref, { exitCode, oomKilled, memLimitBytes, logsOf: local.Id });
    const line = tail ? lastLogLine(tail) : undefined;
    // Another node's engine holds the container: whether a 137 was the memory limit is not visible here.
    const detail = line && line.length <= 200 ? line : exitCode === 137 ? "killed (out of memory or stopped by the node)" : undefined;
    return this.ended(ref, { exitCode, oomKilled, memLimitBytes, detail });
  }

  /** Its newest task, its status, and where it answers once the task runs. */
  protected async describe(
    service: Dockerode.Service,
    ref: WorkloadRef,
  ): Promise<{ task?: SwarmTask; status: WorkloadStatus; url?: string }> {
    const task = await this.latestTask(service.ID);
    const status = await this.statusOf(service, ref, task);
    const url = task && status.state === "running" && task.Status?.State === "running" ? await this.urlOf(service, task) : undefined;
    if (url) await this.networks.reach(service.Spec?.Labels?.[LABEL_USER_ID]).catch(warnUnreached);
    return { task, status, url };
  }

  // --- where it answers --------------------------------------------------------------------------

  /** The node's address when the task runs elsewhere; the portal's own publish host on its own node. */
  private async hostOf(task: SwarmTask): Promise<string> {
    if (!task.NodeID || task.NodeID === (await this.localNodeId())) return this.urlHost;
    const addr = (await this.node(task.NodeID))?.Status?.Addr;
    return addr && addr !== "0.0.0.0" ? urlHostOf(addr) : this.urlHost;
  }

  private async urlOf(service: Dockerode.Service, task: SwarmTask): Promise<string | undefined> {
    const port = portOf(service.Spec?.Labels);
    if (port === undefined) return undefined;
    if (this.portalOnNetwork) return `http://${service.Spec?.Name ?? ""}:${port}`;
    const published = task.Status?.PortStatus?.Ports?.find((p) => p.TargetPort === port)?.PublishedPort;
    return typeof published === "number" && published > 0 ? `http://${await this.hostOf(task)}:${published}` : undefined;
  }

  // --- start -------------------------------------------------------------------------------------

  /** Running or on its way (another start got there first): waited for rather than started twice. */
  protected async reuse(service: Dockerode.Service, spec: WorkloadSpec): Promise<{ url?: string } | undefined> {
    const status = await this.statusOf(service, spec.ref, await this.latestTask(service.ID));
    return status.state === "running" ? this.run(service.ID, spec) : undefined;
  }

  protected async create(spec: WorkloadSpec): Promise<string> {
    return (await this.runtime.call((abortSignal) => this.docker.createService({ ...this.serviceSpec(spec), abortSignal }))).id;
  }

  /** Waits until the swarm runs the service's task (a replicated job: only until it is created, status() follows it). */
  protected async run(id: string, spec: WorkloadSpec): Promise<{ url?: string }> {
    if (runsToCompletion(spec.ref.kind)) return {};
    const name = objectName(spec.ref);
    const t0 = Date.now();
    let unschedulableSince: number | undefined;
    for (;;) {
      const service = await this.inspect(id);
      if (!service) throw new SpawnError(`The service ${name} disappeared while it was starting.`, "engine_error");
      const { task, status, url } = await this.describe(service, spec.ref);
      if (url) return { url };
      if (status.state === "running" && task?.Status?.State === "running") {
        if (spec.port === undefined) return {};
        // Host-mode ports appear in the task's status with the running state; a moment's lag is allowed.
        if (Date.now() - t0 > 5_000) {
          throw new SpawnError(
            `The service ${name} is running but publishes no port ${spec.port}; stop it and start it again.`,
            "engine_error",
          );
        }
      } else if (status.state === "failed") {
        const unschedulable = task?.Status?.State === "pending";
        unschedulableSince ??= unschedulable ? Date.now() : undefined;
        // A node may still join or free up: an unplaceable task gets a short grace, a dead one none.
        if (!unschedulable || Date.now() - (unschedulableSince ?? 0) >= this.unschedulableGraceMs) {
          const failure: FailedStatus = status;
          throw new SpawnError(`The ${nounOf(spec.ref)} could not start: ${failure.reason}.`, "engine_error", failure);
        }
      } else if (status.state === "stopped" || status.state === "missing" || status.state === "succeeded") {
        throw new SpawnError(`The service ${name} was removed while it was starting.`, "engine_error");
      } else {
        unschedulableSince = undefined;
      }
      if (Date.now() - t0 > this.startTimeoutMs) {
        const state = task?.Status?.State ?? "not yet created";
        throw new SpawnError(
          `The swarm did not run the service ${name} within ${Math.round(this.startTimeoutMs / 1000)} s (its task is ${state}).`,
          "engine_error",
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  // --- stop / remove -----------------------------------------------------------------------------

  /**
   * Stops (or kills) its container on this node, removes the service, then removes its containers on
   * this node until none is left, so a stopped workload has really stopped writing to its volumes
   * (another node's are that node's agent's). The swarm alone takes about 6 s, and keeps a replicated
   * job's finished tasks and their containers after the service is gone (moby/moby#52652), while one
   * still being created runs to completion: for a job none must appear for about a second.
   */
  protected async end(service: Dockerode.Service, ref: WorkloadRef, how: "stop" | "kill"): Promise<void> {
    const id = service.ID;
    const task = await this.latestTask(id);
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (containerId && task?.Status?.State === "running" && (!task.NodeID || task.NodeID === (await this.localNodeId()))) {
      await this.runtime.halt(containerId, how);
    }
    await this.runtime.lookup("remove a service", (abortSignal) => this.docker.getService(id).remove({ abortSignal }));
    const settled = runsToCompletion(ref.kind) ? 5 : 1;
    const deadline = Date.now() + STOP_GRACE_S * 1000 + this.runtime.timeoutMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      const left = await this.runtime
        .call((abortSignal) => this.docker.listContainers({ all: true, filters: { label: [`${SERVICE_ID_LABEL}=${id}`] }, abortSignal }))
        .catch(() => []);
      quiet = left.length === 0 ? quiet + 1 : 0;
      if (quiet >= settled) return;
      // An exited one is removed here; a running one only when killing (a graceful stop is the agent's).
      const removable = left.filter((c) => how === "kill" || c.State !== "running");
      await Promise.all(
        removable.map((c) =>
          this.runtime.call((abortSignal) => this.docker.getContainer(c.Id).remove({ force: true, abortSignal })).catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  removeIdleNetworks(): Promise<string[]> {
    return this.networks.removeIdle();
  }

  // --- what it leaves to read --------------------------------------------------------------------

  /** Through the manager, from whichever node ran it (service-output.ts). */
  protected logsOf(service: Dockerode.Service, ref: WorkloadRef, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>> {
    return serviceLogLines(this.runtime, service.ID, follow, limit, async () => (await this.status(ref)).state === "running");
  }

  /** Nothing: the task's filesystem may be on another node (the job runner uploads what the portal keeps: lib/jobs/command.ts). */
  protected fileOf(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  // --- exec, stats -------------------------------------------------------------------------------

  /**
   * The running task's container, which must be on this node: exec and stats go to a container's
   * own engine, and the portal talks to one engine (enough for a one-node swarm; a multi-node
   * swarm would need a client per node, reached through that node's engine address).
   */
  protected async runningContainer(ref: WorkloadRef): Promise<string> {
    const service = await this.findOwn(ref);
    const task = service ? await this.latestTask(service.ID) : undefined;
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (!task || task.Status?.State !== "running" || !containerId) throw notRunning(ref);
    if (task.NodeID && task.NodeID !== (await this.localNodeId())) {
      const node = await this.node(task.NodeID);
      throw new OtherNodeError(
        `The ${nounOf(ref)} runs on node ${node?.Description?.Hostname ?? task.NodeID}; commands and usage can only be read on the portal's own node.`,
      );
    }
    return containerId;
  }
}
