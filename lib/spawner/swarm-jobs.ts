/**
 * Job executions on a swarm: one service in `replicated-job` mode per execution (one task, run to
 * completion, never restarted), on the overlay the workspaces use, with the same home volume,
 * limits (not reserved, see jobServiceSpec), placement constraints and labels. The service stays after
 * its task ends, so the task's state and the service's log can be read through the manager, from
 * whichever node ran it, until removeJob removes it.
 */
import type Dockerode from "dockerode";
import { GIB, HOST_GATEWAY_NAME, envList, exitReason, homeMount, oomReason, volumeLabels, LABEL_USER } from "./container-spec";
import type { OutputLimit } from "./bounded-output";
import { statusCodeOf, type Engine } from "./engine";
import { hardenedTask, hardening } from "./hardening";
import { demuxBuffer, lastLogLine } from "./exec-lines";
import { noLines, type JobRunner } from "./job-runner";
import {
  JOB_LIST_FILTER,
  JOB_WORKDIR,
  LABEL_EXECUTION,
  LABEL_JOB,
  OOM_LOG_LINE,
  jobObjectLabels,
  jobObjectName,
  validateJobSpec,
} from "./job-spec";
import { serviceLogLines, serviceLogTail } from "./service-output";
import type { JobSpec, JobStatus, ListedJob } from "./types";

interface JobTask {
  ID: string;
  CreatedAt?: string;
  Version?: { Index?: number };
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

/** Label the swarm puts on a task's container. */
const SERVICE_ID_LABEL = "com.docker.swarm.service.id";

const WAITING = new Set(["new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"]);

export function jobServiceSpec(spec: JobSpec, network: string): Dockerode.CreateServiceOptions {
  const [command, ...args] = spec.argv;
  const labels = jobObjectLabels(spec);
  const resources = { NanoCPUs: Math.round(spec.cpu * 1e9), MemoryBytes: Math.round(spec.memGb * GIB) };
  const hardened = hardenedTask(hardening(spec.pids));
  return {
    Name: jobObjectName(spec.executionId),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Command: command === undefined ? [] : [command],
        Args: args,
        Dir: JOB_WORKDIR,
        Env: envList(spec.env),
        Labels: labels,
        Init: true,
        Hosts: [`host-gateway ${HOST_GATEWAY_NAME}`],
        Mounts: [
          { ...homeMount(spec), VolumeOptions: { Labels: volumeLabels(spec) } as NonNullable<Dockerode.MountSettings["VolumeOptions"]> },
        ],
        ...hardened.containerSpec,
      },
      // Limits only, no reservations: the engine's constraint enforcer keeps counting a finished
      // replicated-job task's reservations against its node forever, even after the service is
      // removed (moby/moby#52652, fixed in swarmkit#3237), until every new task with a reservation is
      // rejected ("assigned node no longer meets constraints"). The quota in Postgres still holds.
      Resources: { Limits: { ...resources, ...hardened.limits } },
      RestartPolicy: { Condition: "none" },
      Placement: { Constraints: [...(spec.constraints ?? [])] },
      Networks: [{ Target: network }],
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  };
}

export class SwarmJobRunner implements JobRunner {
  constructor(
    private readonly engine: Engine,
    private readonly network: string,
    private readonly ensureNetwork: () => Promise<void>,
  ) {}

  private async service(executionId: string): Promise<Dockerode.Service | undefined> {
    try {
      return (await this.engine.call((abortSignal) =>
        this.engine.docker.getService(jobObjectName(executionId)).inspect({ abortSignal }),
      )) as Dockerode.Service;
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw this.engine.failure(`inspect the service of job execution ${executionId}`, err);
    }
  }

  private async task(serviceId: string): Promise<JobTask | undefined> {
    const tasks = (await this.engine.call((abortSignal) =>
      this.engine.docker.listTasks({ filters: { service: [serviceId] }, abortSignal }),
    )) as JobTask[];
    return tasks.sort(
      (a, b) => (b.Version?.Index ?? 0) - (a.Version?.Index ?? 0) || (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""),
    )[0];
  }

  async start(spec: JobSpec): Promise<void> {
    validateJobSpec(spec);
    if (await this.service(spec.executionId)) return;
    await this.ensureNetwork();
    try {
      await this.engine.call((abortSignal) => this.engine.docker.createService({ ...jobServiceSpec(spec, this.network), abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) === 409) return; // a concurrent start of the same execution
      throw this.engine.failure(`create the service of job execution ${spec.executionId}`, err);
    }
  }

  async status(executionId: string): Promise<JobStatus> {
    const service = await this.service(executionId);
    return service ? this.statusOf(service) : { state: "missing" };
  }

  /**
   * From the task (the manager's record, wherever it ran) and the service's log: never from the
   * task's container, which may be on another node. The exit code is the task's; an out-of-memory
   * kill is the runner's last line (OOM_LOG_LINE), since a task does not carry OOMKilled.
   */
  private async statusOf(service: Dockerode.Service): Promise<JobStatus> {
    const task = await this.task(service.ID);
    const state = task?.Status?.State ?? "new";
    if (WAITING.has(state)) {
      if (state === "pending" && task?.Status?.Err) return { state: "failed", reason: task.Status.Err };
      return task?.Status?.Timestamp && state === "running" ? { state: "running", startedAt: task.Status.Timestamp } : { state: "running" };
    }
    if (state === "rejected") return { state: "failed", reason: `could not start: ${task?.Status?.Err ?? "the swarm rejected the task"}` };
    if (state === "orphaned") return { state: "failed", reason: "the node that ran it left the swarm or is down" };
    const exitCode = task?.Status?.ContainerStatus?.ExitCode;
    if (state === "complete" || exitCode === 0) return { state: "succeeded" };
    const code = typeof exitCode === "number" ? { exitCode } : {};
    const tail = await serviceLogTail(this.engine, service.ID).catch(() => undefined);
    const { out, err } = tail ? demuxBuffer(tail) : { out: "", err: "" };
    if (`${out}\n${err}`.split("\n").some((l) => l.trim() === OOM_LOG_LINE)) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it the lint cannot resolve ContainerSpec's type
      const limit = (service.Spec?.TaskTemplate as Dockerode.ContainerTaskSpec | undefined)?.Resources?.Limits?.MemoryBytes;
      return { state: "failed", reason: oomReason(limit), oomKilled: true, ...code };
    }
    const line = tail ? lastLogLine(tail) : undefined;
    return { state: "failed", reason: exitReason(exitCode, line && line.length <= 200 ? line : undefined), ...code };
  }

  async logs(executionId: string, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>> {
    const service = await this.service(executionId);
    if (!service) return noLines();
    return serviceLogLines(this.engine, service.ID, follow, limit, async () => (await this.status(executionId)).state === "running");
  }

  /** Nothing: the task's filesystem may be on another node; the runner uploads what the portal keeps (lib/jobs/command.ts). */
  file(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Removes the service and every container of it on this node, running or exited. The swarm does
   * neither by itself for a job: its finished tasks stay in the store after the service is gone
   * (moby/moby#52652), so their exited containers would pin the home volume and the network, and a
   * task whose container was still being created keeps running to completion. Containers are
   * removed until none has appeared for about a second.
   */
  async remove(executionId: string): Promise<void> {
    const service = await this.service(executionId);
    if (!service) return;
    try {
      await this.engine.call((abortSignal) => this.engine.docker.getService(service.ID).remove({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.engine.failure("remove a job service", err);
    }
    const deadline = Date.now() + 15_000;
    let quiet = 0;
    while (Date.now() < deadline && quiet < 5) {
      // Best effort: only this node's containers are reachable; another node's engine removes its own.
      const left = await this.engine
        .call((abortSignal) =>
          this.engine.docker.listContainers({ all: true, filters: { label: [`${SERVICE_ID_LABEL}=${service.ID}`] }, abortSignal }),
        )
        .catch(() => []);
      quiet = left.length === 0 ? quiet + 1 : 0;
      await Promise.all(
        left.map((c) =>
          this.engine
            .call((abortSignal) => this.engine.docker.getContainer(c.Id).remove({ force: true, abortSignal }))
            .catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async list(): Promise<ListedJob[]> {
    const services = await this.engine.call((abortSignal) =>
      this.engine.docker.listServices({ filters: { label: JOB_LIST_FILTER }, abortSignal }),
    );
    const out: ListedJob[] = [];
    for (const s of services) {
      const labels = s.Spec?.Labels ?? {};
      const executionId = labels[LABEL_EXECUTION];
      if (!executionId) continue;
      out.push({ executionId, jobId: labels[LABEL_JOB] ?? "", user: labels[LABEL_USER] ?? "", status: await this.statusOf(s) });
    }
    return out;
  }
}
