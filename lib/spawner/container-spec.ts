/**
 * What every backend puts into a workload's container, whatever object holds it (a container for
 * docker, a service's task template for swarm): labels, environment, mounts, limits, the checks
 * before the engine is asked, and the sentences that explain a failure. One place, so the backends
 * cannot drift apart.
 */
import { hardening } from "./hardening";
import { LABEL_MANAGED, LABEL_PORT, LABEL_USER, LABEL_USER_ID, checkName, identityLabels, nounOf, objectName } from "./kinds";
import { NotRunningError, type WorkloadRef, type WorkloadSpec } from "./types";

/** Workloads reach the portal and the PyPI proxy through this name; Linux needs it added by hand. */
export const HOST_GATEWAY_NAME = "host.docker.internal";
/** Seconds a workload gets to shut down on SIGTERM before the engine kills it. */
export const STOP_GRACE_S = 5;
export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/**
 * The last line a workload prints when its container's memory cgroup counted an out-of-memory kill
 * (the job runner does: lib/jobs/command.ts): the swarm backend reads it from the service's log,
 * since a task's status has the exit code but not the engine's OOMKilled.
 */
export const OOM_LOG_LINE = "[atrium] out of memory: the kernel killed a process at the memory limit";

const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The home volume of people created before user ids (and of tests); new people get atrium-home-<id>. */
export function legacyVolumeName(user: string): string {
  return `atrium-home-${user}`;
}

/** "out of memory (limit 1 GiB)", "out of memory (limit 256 MiB)". */
export function formatMemLimit(bytes: number): string {
  if (bytes >= GIB && bytes % GIB === 0) return `${bytes / GIB} GiB`;
  const mib = Math.round((bytes / MIB) * 10) / 10;
  return `${mib} MiB`;
}

export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!ENV_KEY_RE.test(k)) throw new TypeError(`"${k}" is not a valid environment variable name.`);
    if (typeof v !== "string" || v.includes("\0")) throw new TypeError(`The value of ${k} must be a string without NUL characters.`);
    return `${k}=${v}`;
  });
}

function checkArgv(what: string, argv: string[] | undefined): void {
  if (argv === undefined) return;
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== "string" || a.includes("\0"))) {
    throw new TypeError(`${what} must be an array of strings without NUL.`);
  }
}

/** The checks every start() makes before the engine is asked anything. */
export function validateSpec(spec: WorkloadSpec): void {
  objectName(spec.ref);
  checkName("user", spec.ownerName);
  checkArgv("command", spec.command);
  checkArgv("args", spec.args);
  if (!Number.isFinite(spec.cpu) || spec.cpu <= 0) throw new TypeError(`cpu must be a positive number of cores, not ${spec.cpu}.`);
  if (!Number.isFinite(spec.memGb) || spec.memGb <= 0) throw new TypeError(`memGb must be a positive number of GiB, not ${spec.memGb}.`);
  if (spec.port !== undefined && !(Number.isInteger(spec.port) && spec.port > 0 && spec.port < 65536))
    throw new TypeError(`port must be a TCP port number, not ${spec.port}.`);
  hardening(spec.pids);
  envList(spec.env);
  for (const m of spec.mounts) {
    checkName("volume", m.volume);
    if (typeof m.target !== "string" || !m.target.startsWith("/"))
      throw new TypeError(`A mount target must be an absolute path, not "${m.target}".`);
  }
  for (const c of spec.constraints ?? []) {
    if (typeof c !== "string" || !c.trim()) throw new TypeError("A placement constraint must be a non-empty string.");
  }
}

/** The object's labels: the spec's own, then Atrium's (identity, owner, port), which the spec cannot override. */
export function objectLabels(spec: WorkloadSpec): Record<string, string> {
  return {
    ...spec.labels,
    ...identityLabels(spec.ref),
    [LABEL_USER]: spec.ownerName,
    [LABEL_USER_ID]: spec.ownerId,
    ...(spec.port === undefined ? {} : { [LABEL_PORT]: String(spec.port) }),
  };
}

export function volumeLabels(spec: Pick<WorkloadSpec, "ownerName" | "ownerId">): Record<string, string> {
  return { [LABEL_USER]: spec.ownerName, [LABEL_USER_ID]: spec.ownerId, [LABEL_MANAGED]: "true" };
}

/** The spec's volumes as the engine's mounts, each named by the spec (from the owner's row), never derived here. */
export function mountsOf(spec: WorkloadSpec): Array<{ Type: "volume"; Source: string; Target: string; ReadOnly: boolean }> {
  return spec.mounts.map((m) => ({ Type: "volume", Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false }));
}

export function nanoCpus(spec: WorkloadSpec): number {
  return Math.round(spec.cpu * 1e9);
}

export function memoryBytes(spec: WorkloadSpec): number {
  return Math.round(spec.memGb * GIB);
}

/** The host part of a URL for a port published on `publishHost` (an any-address means loopback). */
export function urlHostOf(publishHost: string): string {
  const h = publishHost;
  const anyAddress = h === "0.0.0.0" || h === "::" || h === "[::]";
  return anyAddress ? "127.0.0.1" : h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
}

export function notRunning(ref: WorkloadRef): NotRunningError {
  return new NotRunningError(`The ${nounOf(ref)} is not running.`);
}

// --- reasons, in words a person can act on -------------------------------------------------

export function oomReason(limitBytes: number | undefined): string {
  return limitBytes && limitBytes > 0 ? `out of memory (limit ${formatMemLimit(limitBytes)})` : "out of memory";
}

export function imageMissingMessage(image: string): string {
  return `The image "${image}" is not on the engine; an admin has to build or pull it.`;
}

/** "exited with code 2: boom"; the detail is the engine's error or the container's last log line. */
export function exitReason(exitCode: number | undefined, detail?: string): string {
  const reason = exitCode === undefined ? "exited" : `exited with code ${exitCode}`;
  return detail ? `${reason}: ${detail}` : reason;
}
