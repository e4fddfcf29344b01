/**
 * What every backend does the same way for every kind of workload, so that a backend states only
 * what differs, as dockerspawner's SwarmSpawner overrides only how its object is created, started
 * and removed. Here: finding a workload's object (by its name, else by its labels), the order of
 * start (reuse, image check, replace a leftover, create, a concurrent start's 409), stop and
 * remove, status, list, logs, files, exec and stats in its container, and why an ended container
 * stopped. A backend names its object type W (a container for docker.ts, a service for swarm.ts)
 * and fills in the hooks; what differs between kinds is kinds.ts.
 */
import { mapLimit } from "@/lib/util/map-limit";
import type { OutputLimit } from "./bounded-output";
import { noLines } from "./container-output";
import { exitReason, imageMissingMessage, notRunning, oomReason, validateSpec } from "./container-spec";
import { engineMessage, statusCodeOf } from "./engine";
import { LABEL_MANAGED, LABEL_USER, LABEL_USER_ID, findLabels, labelsMatch, nounOf, objectName, refOf, runsToCompletion } from "./kinds";
import {
  SpawnError,
  type ExecOptions,
  type ExecResult,
  type ListedWorkload,
  type RunResult,
  type SpawnEvent,
  type Spawner,
  type WorkloadMount,
  type WorkloadRef,
  type WorkloadSpec,
  type WorkloadStatus,
} from "./types";

/** What a backend's runtime does whatever its objects are; engine.ts's Engine is Docker's. */
export interface WorkloadRuntime {
  imageInfo(image: string): Promise<{ present: boolean; id?: string }>;
  ping(): Promise<boolean>;
  removeVolume(name: string): Promise<void>;
  exec(containerId: string, cmd: string[], opts: ExecOptions, notRunning: () => Error): Promise<ExecResult>;
  stats(containerId: string, notRunning: () => Error): Promise<{ cpu: number; memBytes: number }>;
  lastLogLine(containerId: string): Promise<string | undefined>;
  runInImage(image: string, argv: string[], timeoutMs: number, mount?: WorkloadMount): Promise<RunResult>;
  capacity(): Promise<{ cpu: number; memBytes: number }>;
  hostGateway(): Promise<string | undefined>;
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
  /** What the object is called in messages: "container", "service". */
  protected abstract readonly objectType: string;
  /** Who is said to fail in a create error: "container engine", "swarm". */
  protected readonly engineName: string = "container engine";

  /** The object of this name or id; undefined when there is none. */
  protected abstract inspect(nameOrId: string): Promise<W | undefined>;
  /** Every object carrying all of these `key=value` labels. */
  protected abstract listLabelled(labels: string[]): Promise<W[]>;
  protected abstract labelsOf(w: W): Record<string, string> | undefined;
  protected abstract idOf(w: W): string;
  /** Its status, and where it answers when it runs and has a port. */
  protected abstract describe(w: W, ref: WorkloadRef): Promise<{ status: WorkloadStatus; url?: string }>;
  /** start() found this workload's object: where it answers once it runs, or undefined when it ended and is replaced. */
  protected abstract reuse(w: W, spec: WorkloadSpec): Promise<{ url?: string } | undefined>;
  /** What must exist before the object is created (the volumes, the network). */
  protected abstract prepare(spec: WorkloadSpec): Promise<void>;
  /** Creates the object and returns its id; an engine refusal is thrown as the engine made it. */
  protected abstract create(spec: WorkloadSpec): Promise<string>;
  /**
   * Brings the created object up: until it runs and where it answers for a kind that runs until
   * stopped, only started for one that runs to completion; a SpawnError with `failure` when it died.
   */
  protected abstract run(id: string, spec: WorkloadSpec): Promise<{ url?: string }>;
  /** Ends the object (gracefully, or at once) and removes it; never a volume. */
  protected abstract end(w: W, ref: WorkloadRef, how: "stop" | "kill"): Promise<void>;
  /** The id of ref's running container on the runtime the portal talks to; notRunning(ref) otherwise. */
  protected abstract runningContainer(ref: WorkloadRef): Promise<string>;
  /** Its output as lines within `limit`, followed until it ends or as it stands. */
  protected abstract logsOf(w: W, ref: WorkloadRef, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>>;
  /** One file copied out of its filesystem within `limit`; undefined when absent or out of reach. */
  protected abstract fileOf(w: W, path: string, limit: OutputLimit, dest: string): Promise<number | undefined>;

  protected startingMessage(name: string): string {
    return `Starting ${this.objectType} ${name}`;
  }

  private isOurs(w: W, ref: WorkloadRef, ownerId?: string): boolean {
    return labelsMatch(this.labelsOf(w), ref, ownerId);
  }

  /**
   * The object of ref; undefined when there is none. One under another workload's labels does not
   * count; objects made under an older name (a workspace's atrium-<user>-<server>) are found by label.
   */
  protected async findOwn(ref: WorkloadRef): Promise<W | undefined> {
    const named = await this.inspect(objectName(ref));
    if (named && this.isOurs(named, ref)) return named;
    const labelled = await this.listLabelled(findLabels(ref));
    return labelled.find((w) => this.isOurs(w, ref));
  }

  /** Why an ended container stopped, in the words every backend uses; exit 0 of a run-to-completion kind succeeded. */
  protected async ended(ref: WorkloadRef, e: Ended): Promise<WorkloadStatus> {
    const code = typeof e.exitCode === "number" ? { exitCode: e.exitCode } : {};
    // Before the exit code: a process the kernel killed for memory may still report 0 through init.
    if (e.oomKilled) return { state: "failed", reason: oomReason(e.memLimitBytes), ...code, oomKilled: true };
    if (e.exitCode === 0 && runsToCompletion(ref.kind)) return { state: "succeeded" };
    let detail = e.detail;
    if (!detail && e.logsOf) {
      const line = await this.runtime.lastLogLine(e.logsOf);
      if (line && line.length <= 200) detail = line;
    }
    return { state: "failed", reason: exitReason(e.exitCode, detail), ...code };
  }

  // --- start -------------------------------------------------------------------------------------

  async start(spec: WorkloadSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url?: string }> {
    validateSpec(spec);
    try {
      return await this.startObject(spec, onEvent);
    } catch (err) {
      // Every engine-side failure of start() is a SpawnError (EngineUnavailableError is one).
      if (err instanceof SpawnError || err instanceof TypeError) throw err;
      throw new SpawnError(err instanceof Error ? err.message : String(err), "engine_error");
    }
  }

  private async startObject(spec: WorkloadSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url?: string }> {
    const name = objectName(spec.ref);
    const type = this.objectType;
    // Independent round trips go out together: under 20 simultaneous starts each queues behind the
    // others' on the engine socket. Only the object of this name is reused (a concurrent start's): one
    // found by label under an old name may be another portal's on a shared engine. One labelled with
    // another person's id (a deleted namesake's) is never this workload's.
    const [existing, image] = await Promise.all([this.inspect(name), this.runtime.imageInfo(spec.image)]);
    if (existing && !this.isOurs(existing, spec.ref, spec.ownerId)) {
      throw new SpawnError(`The ${type} name ${name} is already used by a ${type} that is not the ${nounOf(spec.ref)}'s.`, "engine_error");
    }
    // A run-to-completion kind's object is its one run (a retried start, an adopted one): never run twice.
    if (existing && runsToCompletion(spec.ref.kind)) return {};
    const reused = existing ? await this.reuse(existing, spec) : undefined;
    if (reused) return reused;
    // The engine the portal talks to is asked: on a multi-node swarm the image must be on that
    // manager too (docs/deploy-swarm.md).
    if (!image.present) throw new SpawnError(imageMissingMessage(spec.image), "image_missing");

    onEvent?.({ phase: "creating", message: `Creating ${type} ${name} from ${spec.image}` });
    // A leftover from a previous run (ended, failed, or created but never started) is replaced.
    await Promise.all([existing ? this.end(existing, spec.ref, "kill") : undefined, this.prepare(spec)]);
    let id: string;
    try {
      id = await this.create(spec);
    } catch (err) {
      id = await this.createdMeanwhile(spec, name, err);
    }
    onEvent?.({ phase: "starting", message: this.startingMessage(name) });
    return this.run(id, spec);
  }

  /** A create that failed: a concurrent start's object of this name (409) is carried on with. */
  private async createdMeanwhile(spec: WorkloadSpec, name: string, err: unknown): Promise<string> {
    const code = statusCodeOf(err);
    if (code === 409) {
      const other = await this.inspect(name);
      if (other && this.isOurs(other, spec.ref, spec.ownerId)) return this.idOf(other);
      throw new SpawnError(`The ${this.objectType} name ${name} is already in use: ${engineMessage(err)}`, "engine_error");
    }
    if (code === 404 && /image/i.test(engineMessage(err))) throw new SpawnError(imageMissingMessage(spec.image), "image_missing");
    if (err instanceof SpawnError) throw err;
    throw new SpawnError(`The ${this.engineName} could not create the ${this.objectType} ${name}: ${engineMessage(err)}`, "engine_error");
  }

  // --- stop, remove, status, list ----------------------------------------------------------------

  async stop(ref: WorkloadRef): Promise<void> {
    const w = await this.findOwn(ref);
    if (w) await this.end(w, ref, "stop");
  }

  async remove(ref: WorkloadRef): Promise<void> {
    const w = await this.findOwn(ref);
    if (w) await this.end(w, ref, "kill");
  }

  async status(ref: WorkloadRef): Promise<WorkloadStatus> {
    const w = await this.findOwn(ref);
    return w ? (await this.describe(w, ref)).status : { state: "missing" };
  }

  async list(): Promise<ListedWorkload[]> {
    const all = await this.listLabelled([`${LABEL_MANAGED}=true`]);
    const listed = await mapLimit(all, 8, async (w): Promise<ListedWorkload | undefined> => {
      const labels = this.labelsOf(w) ?? {};
      const ref = refOf(labels);
      if (!ref) return undefined; // a kind this portal does not know (a newer one's)
      const { status, url } = await this.describe(w, ref);
      const entry: ListedWorkload = { ref, labels, status };
      if (labels[LABEL_USER_ID]) entry.ownerId = labels[LABEL_USER_ID];
      if (labels[LABEL_USER]) entry.ownerName = labels[LABEL_USER];
      if (url) entry.url = url;
      return entry;
    });
    return listed.filter((x): x is ListedWorkload => x !== undefined);
  }

  async logs(ref: WorkloadRef, opts: { follow: boolean; limit: OutputLimit }): Promise<AsyncIterable<string>> {
    const w = await this.findOwn(ref);
    return w ? this.logsOf(w, ref, opts.follow, opts.limit) : noLines();
  }

  async file(ref: WorkloadRef, path: string, limit: OutputLimit, dest: string): Promise<number | undefined> {
    const w = await this.findOwn(ref);
    return w ? this.fileOf(w, path, limit, dest) : undefined;
  }

  // --- in the workload's container, and the runtime's own ----------------------------------------

  async exec(ref: WorkloadRef, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertArgv("exec", cmd);
    const id = await this.runningContainer(ref);
    return this.runtime.exec(id, cmd, opts, () => notRunning(ref));
  }

  async stats(ref: WorkloadRef): Promise<{ cpu: number; memBytes: number }> {
    const id = await this.runningContainer(ref);
    return this.runtime.stats(id, () => notRunning(ref));
  }

  imageInfo(image: string): Promise<{ present: boolean; id?: string }> {
    return this.runtime.imageInfo(image);
  }

  async runInImage(image: string, argv: string[], timeoutMs: number, mount?: WorkloadMount): Promise<RunResult> {
    assertArgv("runInImage", argv);
    return this.runtime.runInImage(image, argv, timeoutMs, mount);
  }

  capacity(): Promise<{ cpu: number; memBytes: number }> {
    return this.runtime.capacity();
  }

  hostGateway(): Promise<string | undefined> {
    return this.runtime.hostGateway();
  }

  ping(): Promise<boolean> {
    return this.runtime.ping();
  }

  removeVolume(volume: string): Promise<void> {
    return this.runtime.removeVolume(volume);
  }
}
