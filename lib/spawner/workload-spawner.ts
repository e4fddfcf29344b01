/**
 * What every backend does the same way, so that a backend states only what differs, as
 * dockerspawner's SwarmSpawner overrides only how its object is created, started and removed. Here:
 * finding a server's object (by its name, else by its labels), the order of start (reuse, image
 * check, replace a leftover, create, a concurrent start's 409), stop and remove, status, list,
 * exec and stats in the server's container, and why an ended container stopped. A backend names
 * its object type W (a container for docker.ts, a service for swarm.ts) and fills in the hooks.
 */
import { mapLimit } from "@/lib/util/map-limit";
import type { OutputLimit } from "./bounded-output";
import {
  LABEL_ENV,
  LABEL_MANAGED,
  LABEL_SERVER,
  LABEL_USER,
  LABEL_USER_ID,
  containerName,
  exitReason,
  imageMissingMessage,
  labelsMatch,
  notRunning,
  oomReason,
  validateName,
  validateSpec,
} from "./container-spec";
import { engineMessage, statusCodeOf } from "./engine";
import type { JobRunner } from "./job-runner";
import { isJobLabelled } from "./job-spec";
import {
  SpawnError,
  type ExecOptions,
  type ExecResult,
  type FailedStatus,
  type JobSpec,
  type JobStatus,
  type ListedJob,
  type ListedServer,
  type RunResult,
  type ServerRef,
  type ServerSpec,
  type ServerStatus,
  type SpawnEvent,
  type Spawner,
} from "./types";

/** What a backend's runtime does whatever its objects are; engine.ts's Engine is Docker's. */
export interface WorkloadRuntime {
  imageInfo(image: string): Promise<{ present: boolean; id?: string }>;
  ping(): Promise<boolean>;
  removeVolume(name: string): Promise<void>;
  exec(containerId: string, cmd: string[], opts: ExecOptions, notRunning: () => Error): Promise<ExecResult>;
  stats(containerId: string, notRunning: () => Error): Promise<{ cpu: number; memBytes: number }>;
  lastLogLine(containerId: string): Promise<string | undefined>;
  runInImage(image: string, argv: string[], timeoutMs: number): Promise<RunResult>;
  /** A container's output as lines within `limit`, followed until it ends or as it stands (container-output.ts). */
  logLines(containerId: string, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>>;
  /** One file copied out of a container's filesystem to `dest` within `limit`; its size, undefined when absent. */
  fileOf(containerId: string, path: string, limit: OutputLimit, dest: string): Promise<number | undefined>;
  capacity(): Promise<{ cpu: number; memBytes: number }>;
}

/** How a container ended, as the runtime saw it. */
export interface Ended {
  exitCode?: number;
  oomKilled?: boolean;
  memLimitBytes?: number;
  /** The engine's own error, preferred to the last log line. */
  detail?: string;
  /** The container whose last log line explains the exit, when it is on this runtime. */
  logsOf?: string;
}

/** argv only, never a shell string. */
function assertArgv(what: string, argv: string[]): void {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string")) {
    throw new TypeError(`${what} needs a non-empty argv array of strings.`);
  }
}

export abstract class WorkloadSpawner<W> implements Spawner {
  protected abstract readonly runtime: WorkloadRuntime;
  /** How this backend runs a job execution (docker-jobs.ts, swarm-jobs.ts). */
  protected abstract readonly jobs: JobRunner;
  /** What the object is called in messages: "container", "service". */
  protected abstract readonly kind: string;
  /** Who is said to fail in a create error: "container engine", "swarm". */
  protected readonly engineName: string = "container engine";

  /** The object of this name or id; undefined when there is none. */
  protected abstract inspect(nameOrId: string): Promise<W | undefined>;
  /** Every object carrying all of these `key=value` labels. */
  protected abstract listLabelled(labels: string[]): Promise<W[]>;
  protected abstract labelsOf(w: W): Record<string, string> | undefined;
  protected abstract idOf(w: W): string;
  /** Its status, and where it answers when it runs. */
  protected abstract describe(w: W): Promise<{ status: ServerStatus; url?: string }>;
  /** start() found this server's object: its URL once it runs, or undefined when it ended and is replaced. */
  protected abstract reuse(w: W): Promise<string | undefined>;
  /** What must exist before the object is created (the home volume, the network). */
  protected abstract prepare(spec: ServerSpec): Promise<void>;
  /** Creates the object and returns its id; an engine refusal is thrown as the engine made it. */
  protected abstract create(spec: ServerSpec): Promise<string>;
  /** Brings the created object up and returns where it answers; a SpawnError with `failure` when it died. */
  protected abstract run(id: string, name: string): Promise<string>;
  /** Ends the object (gracefully, or at once) and removes it; never the volume. */
  protected abstract end(w: W, how: "stop" | "kill"): Promise<void>;
  /** The id of ref's running container on the runtime the portal talks to; notRunning(ref) otherwise. */
  protected abstract runningContainer(ref: ServerRef): Promise<string>;

  /** The object's name; a runtime with other naming rules overrides it. */
  protected nameOf(ref: ServerRef): string {
    return containerName(ref);
  }

  protected startingMessage(name: string): string {
    return `Starting ${this.kind} ${name}`;
  }

  private isOurs(w: W, ref: ServerRef, userId?: string): boolean {
    return labelsMatch(this.labelsOf(w), ref, userId);
  }

  /**
   * The object of ref; undefined when there is none. One under another server's labels does not
   * count; objects made before names became injective (atrium-<user>-<server>) are found by label.
   */
  protected async findOwn(ref: ServerRef): Promise<W | undefined> {
    validateName("user", ref.user);
    validateName("server", ref.server);
    const named = await this.inspect(this.nameOf(ref));
    if (named && this.isOurs(named, ref)) return named;
    const labelled = await this.listLabelled([`${LABEL_MANAGED}=true`, `${LABEL_USER}=${ref.user}`, `${LABEL_SERVER}=${ref.server}`]);
    return labelled.find((w) => this.isOurs(w, ref));
  }

  /** Why an ended container stopped, in the words every backend uses. */
  protected async ended(e: Ended): Promise<FailedStatus> {
    const code = typeof e.exitCode === "number" ? { exitCode: e.exitCode } : {};
    if (e.oomKilled) return { state: "failed", reason: oomReason(e.memLimitBytes), ...code, oomKilled: true };
    let detail = e.detail;
    if (!detail && e.logsOf) {
      const line = await this.runtime.lastLogLine(e.logsOf);
      if (line && line.length <= 200) detail = line;
    }
    return { state: "failed", reason: exitReason(e.exitCode, detail), ...code };
  }

  // --- start -------------------------------------------------------------------------------------

  async start(spec: ServerSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url: string }> {
    validateSpec(spec);
    try {
      return { url: await this.startObject(spec, onEvent) };
    } catch (err) {
      // Every engine-side failure of start() is a SpawnError (EngineUnavailableError is one).
      if (err instanceof SpawnError || err instanceof TypeError) throw err;
      throw new SpawnError(err instanceof Error ? err.message : String(err), "engine_error");
    }
  }

  private async startObject(spec: ServerSpec, onEvent?: (e: SpawnEvent) => void): Promise<string> {
    const name = this.nameOf(spec);
    const kind = this.kind;
    // Independent round trips go out together: under 20 simultaneous starts each queues behind the
    // others' on the engine socket. Only the object of this name is reused (a concurrent start's): one
    // found by label under an old name has another Jupyter token, and may be another portal's on a
    // shared engine. One labelled with another person's id (a deleted namesake's) is never this server's.
    const [existing, image] = await Promise.all([this.inspect(name), this.runtime.imageInfo(spec.image)]);
    if (existing && !this.isOurs(existing, spec, spec.userId)) {
      throw new SpawnError(`The ${kind} name ${name} is already used by a ${kind} that is not this server's.`, "engine_error");
    }
    const url = existing ? await this.reuse(existing) : undefined;
    if (url) return url;
    // The engine the portal talks to is asked: on a multi-node swarm the image must be on that
    // manager too (docs/deploy-swarm.md).
    if (!image.present) throw new SpawnError(imageMissingMessage(spec.image), "image_missing");

    onEvent?.({ phase: "creating", message: `Creating ${kind} ${name} from ${spec.image}` });
    // A leftover from a previous run (ended, failed, or created but never started) is replaced.
    await Promise.all([existing ? this.end(existing, "kill") : undefined, this.prepare(spec)]);
    let id: string;
    try {
      id = await this.create(spec);
    } catch (err) {
      id = await this.createdMeanwhile(spec, name, err);
    }
    onEvent?.({ phase: "starting", message: this.startingMessage(name) });
    return this.run(id, name);
  }

  /** A create that failed: a concurrent start's object of this name (409) is carried on with. */
  private async createdMeanwhile(spec: ServerSpec, name: string, err: unknown): Promise<string> {
    const code = statusCodeOf(err);
    if (code === 409) {
      const other = await this.inspect(name);
      if (other && this.isOurs(other, spec, spec.userId)) return this.idOf(other);
      throw new SpawnError(`The ${this.kind} name ${name} is already in use: ${engineMessage(err)}`, "engine_error");
    }
    if (code === 404 && /image/i.test(engineMessage(err))) throw new SpawnError(imageMissingMessage(spec.image), "image_missing");
    if (err instanceof SpawnError) throw err;
    throw new SpawnError(`The ${this.engineName} could not create the ${this.kind} ${name}: ${engineMessage(err)}`, "engine_error");
  }

  // --- stop, remove, status, list ----------------------------------------------------------------

  async stop(ref: ServerRef): Promise<void> {
    const w = await this.findOwn(ref);
    if (w) await this.end(w, "stop");
  }

  async remove(ref: ServerRef): Promise<void> {
    const w = await this.findOwn(ref);
    if (w) await this.end(w, "kill");
  }

  async status(ref: ServerRef): Promise<ServerStatus> {
    const w = await this.findOwn(ref);
    return w ? (await this.describe(w)).status : { state: "stopped" };
  }

  async list(): Promise<ListedServer[]> {
    const all = await this.listLabelled([`${LABEL_MANAGED}=true`]);
    const listed = await mapLimit(all, 8, async (w): Promise<ListedServer | undefined> => {
      const labels = this.labelsOf(w) ?? {};
      if (isJobLabelled(labels)) return undefined; // a job execution's object, never a server
      const user = labels[LABEL_USER];
      const server = labels[LABEL_SERVER];
      if (!user || !server) return undefined;
      const { status, url } = await this.describe(w);
      const entry: ListedServer = { user, server, environment: labels[LABEL_ENV] ?? "", status };
      if (labels[LABEL_USER_ID]) entry.userId = labels[LABEL_USER_ID];
      if (url) entry.url = url;
      return entry;
    });
    return listed.filter((x): x is ListedServer => x !== undefined);
  }

  // --- in the server's container, and the runtime's own ------------------------------------------

  async exec(ref: ServerRef, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertArgv("exec", cmd);
    const id = await this.runningContainer(ref);
    return this.runtime.exec(id, cmd, opts, () => notRunning(ref));
  }

  async stats(ref: ServerRef): Promise<{ cpu: number; memBytes: number }> {
    const id = await this.runningContainer(ref);
    return this.runtime.stats(id, () => notRunning(ref));
  }

  imageInfo(image: string): Promise<{ present: boolean; id?: string }> {
    return this.runtime.imageInfo(image);
  }

  async runInImage(image: string, argv: string[], timeoutMs: number): Promise<RunResult> {
    assertArgv("runInImage", argv);
    return this.runtime.runInImage(image, argv, timeoutMs);
  }

  capacity(): Promise<{ cpu: number; memBytes: number }> {
    return this.runtime.capacity();
  }

  ping(): Promise<boolean> {
    return this.runtime.ping();
  }

  removeVolume(volume: string): Promise<void> {
    return this.runtime.removeVolume(volume);
  }

  // --- job executions ----------------------------------------------------------------------------

  startJob(spec: JobSpec): Promise<void> {
    return this.jobs.start(spec);
  }

  jobStatus(executionId: string): Promise<JobStatus> {
    return this.jobs.status(executionId);
  }

  jobLogs(executionId: string, opts: { follow: boolean; limit: OutputLimit }): Promise<AsyncIterable<string>> {
    return this.jobs.logs(executionId, opts.follow, opts.limit);
  }

  jobFile(executionId: string, path: string, limit: OutputLimit, dest: string): Promise<number | undefined> {
    return this.jobs.file(executionId, path, limit, dest);
  }

  removeJob(executionId: string): Promise<void> {
    return this.jobs.remove(executionId);
  }

  listJobs(): Promise<ListedJob[]> {
    return this.jobs.list();
  }
}
