/**
 * Job executions on one Docker engine: one container per execution, with the person's home
 * mounted, the limits asked for and the hardened spec (hardening.ts), on the workspaces' network,
 * the entrypoint replaced by the job's argv, and no restart. The
 * container stays after it exits (its state says whether memory killed it, its log and files are
 * read) until removeJob.
 */
import type Dockerode from "dockerode";
import { GIB, HOST_GATEWAY_NAME, envList, homeMount, oomReason, exitReason, volumeLabels } from "./container-spec";
import { hardenedHostConfig, hardening } from "./hardening";
import type { OutputLimit } from "./bounded-output";
import { statusCodeOf, type Engine } from "./engine";
import { containerFile, containerLogLines } from "./container-output";
import { noLines, type JobRunner } from "./job-runner";
import { JOB_LIST_FILTER, JOB_WORKDIR, LABEL_EXECUTION, LABEL_JOB, jobObjectLabels, jobObjectName, validateJobSpec } from "./job-spec";
import { LABEL_USER } from "./container-spec";
import type { JobSpec, JobStatus, ListedJob } from "./types";

export function jobContainerOptions(spec: JobSpec, network: string): Dockerode.ContainerCreateOptions {
  const [entrypoint, ...args] = spec.argv;
  const memory = Math.round(spec.memGb * GIB);
  return {
    name: jobObjectName(spec.executionId),
    Image: spec.image,
    Entrypoint: entrypoint === undefined ? [] : [entrypoint],
    Cmd: args,
    WorkingDir: JOB_WORKDIR,
    Env: envList(spec.env),
    Labels: jobObjectLabels(spec),
    HostConfig: {
      NanoCpus: Math.round(spec.cpu * 1e9),
      Memory: memory,
      MemorySwap: memory,
      ...hardenedHostConfig(hardening(spec.pids)),
      Init: true,
      RestartPolicy: { Name: "no" },
      ExtraHosts: [`${HOST_GATEWAY_NAME}:host-gateway`],
      Mounts: [homeMount(spec)],
      NetworkMode: network,
    },
  };
}

export class DockerJobRunner implements JobRunner {
  constructor(
    private readonly engine: Engine,
    private readonly network: string,
    private readonly ensureNetwork: () => Promise<void>,
  ) {}

  private inspect(executionId: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    return this.engine.inspectContainer(jobObjectName(executionId));
  }

  async start(spec: JobSpec): Promise<void> {
    validateJobSpec(spec);
    if (await this.inspect(spec.executionId)) return; // started already (a retry of this call, an adopted execution)
    await this.ensureNetwork();
    await this.engine.ensureVolume(spec.homeVolume, volumeLabels(spec));
    let id: string;
    try {
      const create = jobContainerOptions(spec, this.network);
      id = (await this.engine.call((abortSignal) => this.engine.docker.createContainer({ ...create, abortSignal }))).id;
    } catch (err) {
      if (statusCodeOf(err) === 409) return; // a concurrent start of the same execution
      throw this.engine.failure(`create the container of job execution ${spec.executionId}`, err);
    }
    try {
      await this.engine.call((abortSignal) => this.engine.docker.getContainer(id).start({ abortSignal }));
    } catch (err) {
      if (statusCodeOf(err) !== 304) throw this.engine.failure(`start the container of job execution ${spec.executionId}`, err);
    }
  }

  async status(executionId: string): Promise<JobStatus> {
    const info = await this.inspect(executionId);
    return info ? this.statusOf(info) : { state: "missing" };
  }

  private async statusOf(info: Dockerode.ContainerInspectInfo): Promise<JobStatus> {
    const st = info.State;
    if (st.Running || st.Restarting || st.Paused || st.Status === "created") return { state: "running", startedAt: st.StartedAt };
    const exitCode = typeof st.ExitCode === "number" ? st.ExitCode : undefined;
    // Checked before the exit code: a process the kernel killed for memory may still report 0 through init.
    if (st.OOMKilled)
      return {
        state: "failed",
        reason: oomReason(info.HostConfig?.Memory),
        oomKilled: true,
        ...(exitCode === undefined ? {} : { exitCode }),
      };
    if (exitCode === 0) return { state: "succeeded" };
    const detail = st.Error?.trim() || (await this.engine.lastLogLine(info.Id));
    return {
      state: "failed",
      reason: exitReason(exitCode, detail && detail.length <= 200 ? detail : undefined),
      ...(exitCode === undefined ? {} : { exitCode }),
    };
  }

  async logs(executionId: string, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>> {
    const id = (await this.inspect(executionId))?.Id;
    return id ? containerLogLines(this.engine, id, follow, limit) : noLines();
  }

  async file(executionId: string, path: string, limit: OutputLimit, dest: string): Promise<number | undefined> {
    const id = (await this.inspect(executionId))?.Id;
    return id ? containerFile(this.engine, id, path, limit, dest) : undefined;
  }

  async remove(executionId: string): Promise<void> {
    try {
      await this.engine.call((abortSignal) =>
        this.engine.docker.getContainer(jobObjectName(executionId)).remove({ force: true, abortSignal }),
      );
    } catch (err) {
      const code = statusCodeOf(err);
      if (code !== 404 && code !== 409) throw this.engine.failure("remove a job container", err);
    }
  }

  async list(): Promise<ListedJob[]> {
    let found: Dockerode.ContainerInfo[];
    try {
      found = await this.engine.call((abortSignal) =>
        this.engine.docker.listContainers({ all: true, filters: { label: JOB_LIST_FILTER }, abortSignal }),
      );
    } catch (err) {
      throw this.engine.failure("list job containers", err);
    }
    const out: ListedJob[] = [];
    for (const c of found) {
      const executionId = c.Labels[LABEL_EXECUTION];
      const info = executionId ? await this.inspect(executionId) : undefined;
      if (!executionId || !info) continue;
      out.push({ executionId, jobId: c.Labels[LABEL_JOB] ?? "", user: c.Labels[LABEL_USER] ?? "", status: await this.statusOf(info) });
    }
    return out;
  }
}
