/**
 * The Spawner contract (docs/architecture.md §7): a backend starts, stops and inspects workloads,
 * each named by a WorkloadRef (its kind and id) and described by one WorkloadSpec, whatever runs in
 * it (a Jupyter server, a job execution, a model endpoint's replica); Postgres keeps the rest. What
 * a kind is (how long it runs, how its objects are named and labelled) is one row of kinds.ts.
 * Backends: docker.ts (one engine) and swarm.ts (Docker Swarm services), both on
 * workload-spawner.ts, which does what they share. Nothing is saved for a backend between calls: it
 * finds its object again by name and labels, so a restarted portal needs nothing else.
 */
import type { OutputLimit } from "./bounded-output";
import type { WorkloadKind } from "./kinds";

export type { WorkloadKind } from "./kinds";

export interface WorkloadRef {
  kind: WorkloadKind;
  /** Unique within its kind; a container-name-safe string (`alice_default`, `jex_…`, `<endpoint>-<revision>-<replica>`). */
  id: string;
}

/** A named volume in the workload's filesystem; created with the owner's labels when missing. */
export interface WorkloadMount {
  volume: string;
  target: string;
  readOnly?: boolean;
}

export interface WorkloadSpec {
  ref: WorkloadRef;
  /** The owner's immutable id (users.id); goes in the label atrium.user-id. */
  ownerId: string;
  /** The owner's name; goes in the label atrium.user (display, and objects from before ids). */
  ownerName: string;
  image: string;
  /** Replaces the image's entrypoint (Kubernetes' `command`); undefined: the image's. argv, never a shell string. */
  command?: string[];
  /** Replaces the image's command (Kubernetes' `args`); undefined: the image's. */
  args?: string[];
  env: Record<string, string>;
  /** Cores, may be fractional. */
  cpu: number;
  /** GiB, may be fractional, e.g. 0.25. */
  memGb: number;
  /** Processes and threads the container may hold (the role's maxPids); undefined: DEFAULT_PIDS_LIMIT (hardening.ts). */
  pids?: number;
  /** The port the portal reaches it on; start() and list() give its URL. None: it is not reached (a job). */
  port?: number;
  mounts: WorkloadMount[];
  workingDir?: string;
  /** More labels (atrium.env, atrium.job, …); the spawner's own (atrium.managed, kind, id, owner) win. */
  labels?: Record<string, string>;
  /** Placement constraints ("node.labels.gpu==true"); swarm passes them on, docker (one host) ignores them. */
  constraints?: string[];
}

export type FailedStatus = { state: "failed"; reason: string; exitCode?: number; oomKilled?: boolean };

export type WorkloadStatus =
  /** Running, or on its way (created, placed, starting). */
  | { state: "running"; startedAt?: string }
  /** Its object is being stopped or removed. */
  | { state: "stopped" }
  /** A kind that runs to completion ended with exit code 0. */
  | { state: "succeeded" }
  | FailedStatus
  /** No object (never started, or removed). */
  | { state: "missing" };

export interface SpawnEvent {
  phase: "creating" | "starting";
  message: string;
}

export interface ExecResult {
  /** Output lines (stdout and stderr interleaved, without the newline). */
  output: AsyncIterable<string>;
  /**
   * Resolves once the process has ended and its output has been read (or the iterator closed);
   * rejects with an OutputLimitError when the output passed its limit (the output does too).
   */
  exitCode: Promise<number>;
}

export interface ListedWorkload {
  ref: WorkloadRef;
  /** The label atrium.user-id; absent on objects from before user ids. */
  ownerId?: string;
  /** The label atrium.user. */
  ownerName?: string;
  /** Every label of the object, for the domain that reads its own (atrium.server, atrium.job, …). */
  labels: Record<string, string>;
  status: WorkloadStatus;
  /** Where it answers, when it is running and has a port. */
  url?: string;
}

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  /** The output's byte cap and deadline (bounded-output.ts); DEFAULT_EXEC_LIMIT when unset. */
  limit?: OutputLimit;
}

/** What a one-off command in an image printed, and how it ended. */
export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Spawner {
  /** Waits until it runs (to-completion kinds: until started); a running object is returned as is, an ended one replaced (not a to-completion kind's: its run). */
  start(spec: WorkloadSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url?: string }>;
  /** Stops it gracefully and removes it; never a volume. A missing one is no error. */
  stop(ref: WorkloadRef): Promise<void>;
  /** Kills and removes it whatever its state; never a volume. A missing one is no error. */
  remove(ref: WorkloadRef): Promise<void>;
  status(ref: WorkloadRef): Promise<WorkloadStatus>;
  /** Every object carrying Atrium's labels, of every kind, running or ended (adoption after a restart). */
  list(): Promise<ListedWorkload[]>;
  /** argv only (never a shell string) in its running container; output streamed line by line. */
  exec(ref: WorkloadRef, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** cpu in cores used (e.g. 0.35), from one stats sample of its running container. */
  stats(ref: WorkloadRef): Promise<{ cpu: number; memBytes: number }>;
  /** Its output lines (stdout and stderr interleaved) within `limit`, `follow`ed until it ends; none without an object. */
  logs(ref: WorkloadRef, opts: { follow: boolean; limit: OutputLimit }): Promise<AsyncIterable<string>>;
  /**
   * Copies a file from its filesystem (an executed notebook) into the portal's file `dest`, streamed;
   * its size, or undefined when absent or out of reach; an OutputLimitError past `limit` (then `dest`
   * holds a part of it).
   */
  file(ref: WorkloadRef, path: string, limit: OutputLimit, dest: string): Promise<number | undefined>;
  imageInfo(image: string): Promise<{ present: boolean; id?: string }>;
  /**
   * argv in a one-off container of `image` (no network, small limits, no Atrium labels) on the
   * engine the portal talks to, removed afterwards; for reading what an image ships
   * (lib/packages/image-scan.ts), or, with `mount`, what a volume holds (a person's home, running
   * or not: lib/jobs/home-files.ts; a volume that does not exist is a VolumeMissingError, never
   * created). A SpawnError when it does not end within timeoutMs; an OutputLimitError when it
   * printed more than RUN_IN_IMAGE_MAX_BYTES.
   */
  runInImage(image: string, argv: string[], timeoutMs: number, mount?: WorkloadMount): Promise<RunResult>;
  /** The CPUs and memory of the machine the engine runs on (0 where the engine does not say). */
  capacity(): Promise<{ cpu: number; memBytes: number }>;
  /**
   * The address of the portal's host as workloads reach it (`host.docker.internal`), where the portal
   * listens for them when its main listener is on loopback (lib/http/workspace-listener.ts).
   */
  hostGateway?(): Promise<string | undefined>;
  ping(): Promise<boolean>;
  /** Removes a volume by its name (deleting a person, tests); a missing one is no error. */
  removeVolume(volume: string): Promise<void>;
  /**
   * Removes the networks of people with no workload left (a backend with a network per person;
   * lib/spawner/networks.ts) and returns their names; never one in use.
   */
  removeIdleNetworks?(): Promise<string[]>;
}

export type SpawnErrorReason = "image_missing" | "engine_unavailable" | "engine_error";

/** start() could not bring the workload up; `message` is a sentence fit to show the person. */
export class SpawnError extends Error {
  override name = "SpawnError";
  constructor(
    message: string,
    readonly reason: SpawnErrorReason,
    /** Set when the container was created and started but died at once (e.g. out of memory). */
    readonly failure?: FailedStatus,
  ) {
    super(message);
  }
}

/**
 * The engine cannot be reached (socket missing, connection refused, no answer in time). Thrown by
 * every method (ping() answers false instead). It is also a SpawnError with reason
 * "engine_unavailable", so a start() caller that only handles SpawnError still gets it right.
 */
export class EngineUnavailableError extends SpawnError {
  override name = "EngineUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "engine_unavailable");
    if (options && "cause" in options) this.cause = options.cause;
  }
}

/** runInImage() was asked to mount a volume the engine does not have. */
export class VolumeMissingError extends Error {
  override name = "VolumeMissingError";
}

/** exec()/stats() on a workload that has no running container. */
export class NotRunningError extends Error {
  override name = "NotRunningError";
}

/** exec and stats reach only containers on the portal's own engine; the workload runs on another node. */
export class OtherNodeError extends Error {
  override name = "OtherNodeError";
}
