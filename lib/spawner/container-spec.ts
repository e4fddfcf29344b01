/**
 * What every backend puts into a workspace, whatever object holds it (a container for docker, a
 * service's task template for swarm): names, labels, environment, the home volume, the command, and
 * the sentences that explain a failure. One place, so the backends cannot drift apart.
 */
import { hardening } from "./hardening";
import { ServerNotRunningError, type ServerRef, type ServerSpec } from "./types";

export const LABEL_USER = "atrium.user";
/** The owner's immutable id (users.id): a container of a deleted person is never taken for a new one of that name. */
export const LABEL_USER_ID = "atrium.user-id";
export const LABEL_SERVER = "atrium.server";
export const LABEL_ENV = "atrium.env";
export const LABEL_MANAGED = "atrium.managed";

export const JUPYTER_PORT = 8888;
/** The Jupyter images' home; the per-user volume is mounted here. */
export const HOME_DIR = "/home/jovyan";
/** Workspaces reach the portal and the PyPI proxy through this name; Linux needs it added by hand. */
export const HOST_GATEWAY_NAME = "host.docker.internal";
/** Seconds Jupyter gets to shut down on SIGTERM before the engine kills it. */
export const STOP_GRACE_S = 5;
export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** Docker's rule for container, service and volume names. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The container (docker) or service (swarm) name of a server: `atrium-<user>_<server>`. Injective:
 * server names never contain "_" (lib/workspaces/schemas.ts), so the last "_" splits the two. The
 * old form `atrium-<user>-<server>` was not ("sec" + "alice-w5" and "sec-alice" + "w5" shared one
 * name, so one person could squat another's); containers that still carry it are found by label.
 */
export function containerName(ref: ServerRef): string {
  if (ref.server.includes("_")) throw new TypeError(`The server name "${ref.server}" cannot contain "_".`);
  return `atrium-${ref.user}_${ref.server}`;
}

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

export function validateName(what: string, value: string): void {
  if (typeof value !== "string" || !NAME_RE.test(value)) {
    throw new TypeError(`The ${what} name "${String(value)}" cannot be used in a container name.`);
  }
}

export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!ENV_KEY_RE.test(k)) throw new TypeError(`"${k}" is not a valid environment variable name.`);
    if (typeof v !== "string" || v.includes("\0")) throw new TypeError(`The value of ${k} must be a string without NUL characters.`);
    return `${k}=${v}`;
  });
}

/** The checks every start() makes before the engine is asked anything. */
export function validateSpec(spec: ServerSpec): void {
  validateName("user", spec.user);
  validateName("server", spec.server);
  validateName("home volume", spec.homeVolume);
  if (!Number.isFinite(spec.cpu) || spec.cpu <= 0) throw new TypeError(`cpu must be a positive number of cores, not ${spec.cpu}.`);
  if (!Number.isFinite(spec.memGb) || spec.memGb <= 0) throw new TypeError(`memGb must be a positive number of GiB, not ${spec.memGb}.`);
  hardening(spec.pids);
  envList(spec.env);
  for (const c of spec.constraints ?? []) {
    if (typeof c !== "string" || !c.trim()) throw new TypeError("A placement constraint must be a non-empty string.");
  }
}

export function workspaceLabels(spec: ServerSpec): Record<string, string> {
  return {
    [LABEL_USER]: spec.user,
    [LABEL_USER_ID]: spec.userId,
    [LABEL_SERVER]: spec.server,
    [LABEL_ENV]: spec.environment,
    [LABEL_MANAGED]: "true",
  };
}

export function volumeLabels(spec: Pick<ServerSpec, "user" | "userId">): Record<string, string> {
  return { [LABEL_USER]: spec.user, [LABEL_USER_ID]: spec.userId, [LABEL_MANAGED]: "true" };
}

/**
 * Whether an object's labels say it is this server's: Atrium's, the same user and server names, and,
 * when both the labels and the caller know it, the same user id (objects from before ids have none).
 */
export function labelsMatch(labels: Record<string, string> | undefined, ref: ServerRef, userId?: string): boolean {
  const l = labels ?? {};
  if (l[LABEL_MANAGED] !== "true" || l[LABEL_USER] !== ref.user || l[LABEL_SERVER] !== ref.server) return false;
  const labelled = l[LABEL_USER_ID];
  return !userId || !labelled || labelled === userId;
}

/** Jupyter's container environment: the spec's, plus the token and base URL, which only the spec itself may set. */
export function jupyterEnvList(spec: ServerSpec): string[] {
  const env = { ...spec.env };
  delete env.JUPYTER_TOKEN;
  delete env.JUPYTER_BASE_URL;
  return [...envList(env), `JUPYTER_TOKEN=${spec.token}`, `JUPYTER_BASE_URL=${spec.baseUrl}`];
}

/** undefined: the image's own command. */
export function workspaceCmd(spec: ServerSpec): string[] | undefined {
  return spec.cmd?.map((arg) => arg.replaceAll("{baseUrl}", spec.baseUrl).replaceAll("{port}", String(JUPYTER_PORT)));
}

/** The person's home volume, named by the spec (from her row), never derived from her name here. */
export function homeMount(spec: Pick<ServerSpec, "homeVolume">): { Type: "volume"; Source: string; Target: string } {
  return { Type: "volume", Source: spec.homeVolume, Target: HOME_DIR };
}

export function nanoCpus(spec: ServerSpec): number {
  return Math.round(spec.cpu * 1e9);
}

export function memoryBytes(spec: ServerSpec): number {
  return Math.round(spec.memGb * GIB);
}

/** The host part of a URL for a port published on `publishHost` (an any-address means loopback). */
export function urlHostOf(publishHost: string): string {
  const h = publishHost;
  const anyAddress = h === "0.0.0.0" || h === "::" || h === "[::]";
  return anyAddress ? "127.0.0.1" : h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
}

export function notRunning(ref: ServerRef): ServerNotRunningError {
  return new ServerNotRunningError(`The server ${ref.user}/${ref.server} is not running.`);
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
