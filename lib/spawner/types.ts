/**
 * The Spawner contract (docs/architecture.md §7), modelled on JupyterHub's Spawner.
 * A backend starts, stops and inspects one Jupyter server per (user, server); Postgres keeps the
 * rest. Backends: docker.ts (one engine, dockerode) and swarm.ts (Docker Swarm services, dockerode),
 * both on workload-spawner.ts, which does what they share. Nothing is saved for a backend between
 * calls: it finds its object again by name and labels, so a restarted portal needs nothing else.
 */
import type { OutputLimit } from "./bounded-output";

export interface ServerRef {
  user: string;
  server: string;
}

export interface ServerSpec extends ServerRef {
  /** The owner's immutable id (users.id); goes in the label atrium.user-id. */
  userId: string;
  /** The owner's home volume (users.home_volume), mounted at /home/jovyan. */
  homeVolume: string;
  /** Environment id; goes in the label atrium.env. */
  environment: string;
  image: string;
  /** undefined = the image's default command; `{baseUrl}` and `{port}` are substituted in each arg. */
  cmd?: string[];
  /** Cores, may be fractional. */
  cpu: number;
  /** GiB, may be fractional, e.g. 0.25. */
  memGb: number;
  /** Processes and threads the container may hold (the role's maxPids); undefined: DEFAULT_PIDS_LIMIT (hardening.ts). */
  pids?: number;
  /** Jupyter's token; passed as env JUPYTER_TOKEN, never on the command line. */
  token: string;
  /** "/user/<user>/<server>/" → env JUPYTER_BASE_URL. */
  baseUrl: string;
  /** Extra environment (MLFLOW_TRACKING_URI, PIP_INDEX_URL, ...). */
  env: Record<string, string>;
  /**
   * The environment's placement constraints ("node.labels.gpu==true"); swarm passes them to
   * Placement.Constraints, docker (one host) ignores them.
   */
  constraints?: string[];
}

export type FailedStatus = { state: "failed"; reason: string; exitCode?: number; oomKilled?: boolean };

export type ServerStatus =
  | { state: "running"; startedAt?: string }
  /** No container. */
  | { state: "stopped" }
  | FailedStatus;

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

export interface ListedServer extends ServerRef {
  /** The label atrium.user-id; absent on containers from before user ids. */
  userId?: string;
  environment: string;
  status: ServerStatus;
  /** Where the server answers, when it is running. */
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

/** One job execution as a backend runs it: a container (docker) or a replicated-job service (swarm). */
export interface JobSpec {
  /** The execution's id (job_executions.id); names the object: atrium-job-<id>. */
  executionId: string;
  jobId: string;
  user: string;
  /** The owner's immutable id (users.id), as on workspaces. */
  userId: string;
  /** The owner's home volume, mounted at /home/jovyan, which is also the working directory. */
  homeVolume: string;
  environment: string;
  image: string;
  /** argv, never a shell string; replaces the image's entrypoint. */
  argv: string[];
  cpu: number;
  memGb: number;
  /** As ServerSpec.pids. */
  pids?: number;
  env: Record<string, string>;
  constraints?: string[];
}

export type JobStatus =
  | { state: "running"; startedAt?: string }
  | { state: "succeeded" }
  | { state: "failed"; reason: string; exitCode?: number; oomKilled?: boolean }
  /** No object for this execution (never started, or removed). */
  | { state: "missing" };

export interface ListedJob {
  executionId: string;
  jobId: string;
  user: string;
  status: JobStatus;
}

export interface Spawner {
  /** Idempotent: a running container for (user, server) is returned as is. */
  start(spec: ServerSpec, onEvent?: (e: SpawnEvent) => void): Promise<{ url: string }>;
  /** Stops and removes the container; never the volume. */
  stop(ref: ServerRef): Promise<void>;
  /** Force-removes the container whatever its state (spawn-timeout clean-up); never the volume. */
  remove(ref: ServerRef): Promise<void>;
  status(ref: ServerRef): Promise<ServerStatus>;
  /** Everything carrying atrium labels, running or dead. */
  list(): Promise<ListedServer[]>;
  /** argv only (never a shell string); output streamed line by line. */
  exec(ref: ServerRef, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** cpu in cores used (e.g. 0.35), from one stats sample. */
  stats(ref: ServerRef): Promise<{ cpu: number; memBytes: number }>;
  imageInfo(image: string): Promise<{ present: boolean; id?: string }>;
  /**
   * argv in a one-off container of `image` (no network, small limits, no Atrium labels) on the
   * engine the portal talks to, removed afterwards; for reading what an image ships
   * (lib/packages/image-scan.ts). A SpawnError when it does not end within timeoutMs; an
   * OutputLimitError when it printed more than RUN_IN_IMAGE_MAX_BYTES.
   */
  runInImage(image: string, argv: string[], timeoutMs: number): Promise<RunResult>;
  /** The CPUs and memory of the machine the engine runs on (0 where the engine does not say). */
  capacity(): Promise<{ cpu: number; memBytes: number }>;
  ping(): Promise<boolean>;
  /** Removes a home volume by its name (deleting a person, tests); a missing one is no error. */
  removeVolume(volume: string): Promise<void>;

  // --- job executions (lib/jobs/, docs/jobs.md) ---------------------------------------------------
  /** Creates and starts the execution's object; one that exists already is left as it is (idempotent). */
  startJob(spec: JobSpec): Promise<void>;
  jobStatus(executionId: string): Promise<JobStatus>;
  /**
   * Its output lines (stdout and stderr interleaved); `follow` keeps reading until it ends. Read
   * within `limit` (a log limit usually truncates: bounded-output.ts).
   */
  jobLogs(executionId: string, opts: { follow: boolean; limit: OutputLimit }): Promise<AsyncIterable<string>>;
  /**
   * Copies a file from the execution's own filesystem (e.g. the executed notebook), once it ended,
   * into the portal's file `dest`, streamed; its size, or undefined when absent or out of reach; an
   * OutputLimitError when it is larger than `limit` allows (then `dest` holds a part of it).
   */
  jobFile(executionId: string, path: string, limit: OutputLimit, dest: string): Promise<number | undefined>;
  /** Kills and removes it; a missing one is no error. */
  removeJob(executionId: string): Promise<void>;
  /** Every execution object carrying Atrium's job labels (adoption after a restart). */
  listJobs(): Promise<ListedJob[]>;
}

export type SpawnErrorReason = "image_missing" | "engine_unavailable" | "engine_error";

/** start() could not bring the server up; `message` is a sentence fit to show the person. */
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

/** exec()/stats() on a server that has no running container. */
export class ServerNotRunningError extends Error {
  override name = "ServerNotRunningError";
}

/** exec and stats reach only containers on the portal's own engine; the server runs on another node. */
export class OtherNodeError extends Error {
  override name = "OtherNodeError";
}
