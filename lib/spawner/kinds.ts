/**
 * The kinds of workload a Spawner runs, one row each (docs/architecture.md §7): whether it runs
 * until stopped or once to its end, and how its objects are named and labelled so a restarted
 * portal finds them again. A new kind is one row: `atrium-<kind>-<id>` objects labelled atrium.kind
 * and atrium.id. The first two keep the names and labels their objects had before kinds, so a portal
 * upgraded while they run adopts them.
 */

export const LABEL_MANAGED = "atrium.managed";
const LABEL_KIND = "atrium.kind";
/** The workload's id on kinds that name it no other way. */
const LABEL_ID = "atrium.id";
export const LABEL_USER = "atrium.user";
/** The owner's immutable id (users.id): an object of a deleted person is never taken for a new one of that name. */
export const LABEL_USER_ID = "atrium.user-id";
/** The port the portal reaches it on (objects from before it: Jupyter's 8888, see portOf). */
export const LABEL_PORT = "atrium.port";
export const LABEL_SERVER = "atrium.server";
const LABEL_EXECUTION = "atrium.execution";
/** The environment (environments.id) whose image it runs. */
export const LABEL_ENV = "atrium.env";

/** Docker's rule for container, service and volume names. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const EXECUTION_ID_RE = /^jex_[a-z0-9]{8,40}$/;
/** A serving replica's id (serving_replicas.id): lower-case letters, digits and "-". */
const REPLICA_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

interface KindRule {
  /** "until-stopped": a clean exit is a failure (only a stop should end it); "to-completion": runs once, exit 0 succeeds. */
  runs: "until-stopped" | "to-completion";
  /** What it is called in a sentence ("server alice/default"); default "<kind> <id>". */
  noun?(id: string): string;
  /** A TypeError for an id of the wrong shape; default: a container-name-safe string. */
  checkId?(id: string): void;
  /** Default atrium-<kind>-<id>. */
  objectName?(id: string): string;
  /** The labels that say which one an object is, and the id read back from them; default atrium.id. */
  idLabels?(id: string): Record<string, string>;
  idOf?(labels: Record<string, string>): string | undefined;
}

/** A workspace's id is `<user>_<server>`: server names never contain "_" (lib/workspaces/schemas.ts). */
function splitWorkspace(id: string): { user: string; server: string } {
  const at = id.lastIndexOf("_");
  return { user: id.slice(0, at), server: id.slice(at + 1) };
}

const RULES = {
  workspace: {
    runs: "until-stopped",
    noun: (id) => {
      const { user, server } = splitWorkspace(id);
      return `server ${user}/${server}`;
    },
    checkId: (id) => {
      const { user, server } = splitWorkspace(id);
      checkName("user", user);
      checkName("server", server);
    },
    // Injective, unlike the older atrium-<user>-<server> ("sec" + "alice-w5" and "sec-alice" + "w5"
    // shared one name); objects that still carry the old name are found by their labels.
    objectName: (id) => `atrium-${id}`,
    idLabels: (id) => {
      const { user, server } = splitWorkspace(id);
      return { [LABEL_USER]: user, [LABEL_SERVER]: server };
    },
    idOf: (l) => (l[LABEL_USER] && l[LABEL_SERVER] ? `${l[LABEL_USER]}_${l[LABEL_SERVER]}` : undefined),
  },
  job: {
    runs: "to-completion",
    noun: (id) => `job execution ${id}`,
    checkId: (id) => {
      if (!EXECUTION_ID_RE.test(id)) throw new TypeError(`"${id}" is not an execution id.`);
    },
    objectName: (id) => `atrium-job-${id.replace("_", "-")}`,
    idLabels: (id) => ({ [LABEL_EXECUTION]: id }),
    idOf: (l) => l[LABEL_EXECUTION],
  },
  // A model endpoint's replica (lib/serving/workload.ts): atrium-endpoint-<replica id>, labelled atrium.id.
  endpoint: {
    runs: "until-stopped",
    noun: (id) => `serving replica ${id}`,
    checkId: (id) => {
      if (!REPLICA_ID_RE.test(id)) throw new TypeError(`"${id}" is not a serving replica id.`);
    },
  },
} satisfies Record<string, KindRule>;

export type WorkloadKind = keyof typeof RULES;

const KIND_NAMES = Object.keys(RULES) as WorkloadKind[];

function rule(kind: WorkloadKind): KindRule {
  const r: KindRule | undefined = RULES[kind];
  if (!r) throw new TypeError(`"${String(kind)}" is not a workload kind.`);
  return r;
}

export function checkName(what: string, value: string): void {
  if (typeof value !== "string" || !NAME_RE.test(value)) {
    throw new TypeError(`The ${what} name "${String(value)}" cannot be used in a container name.`);
  }
}

export function runsToCompletion(kind: WorkloadKind): boolean {
  return rule(kind).runs === "to-completion";
}

export function nounOf(ref: { kind: WorkloadKind; id: string }): string {
  return rule(ref.kind).noun?.(ref.id) ?? `${ref.kind} ${ref.id}`;
}

/** The container (docker) or service (swarm) name of a workload; a TypeError for an id of the wrong shape. */
export function objectName(ref: { kind: WorkloadKind; id: string }): string {
  const r = rule(ref.kind);
  if (typeof ref.id !== "string" || ref.id.length > 200)
    throw new TypeError(`A ${ref.kind} id must be a string of at most 200 characters.`);
  if (r.checkId) r.checkId(ref.id);
  else checkName(ref.kind, ref.id);
  return r.objectName?.(ref.id) ?? `atrium-${ref.kind}-${ref.id}`;
}

/** The labels that identify ref's objects: Atrium's, its kind, and its id as the kind records it. */
export function identityLabels(ref: { kind: WorkloadKind; id: string }): Record<string, string> {
  return { [LABEL_MANAGED]: "true", [LABEL_KIND]: ref.kind, ...(rule(ref.kind).idLabels?.(ref.id) ?? { [LABEL_ID]: ref.id }) };
}

/** `key=value` filters that find ref's objects, also those from before atrium.kind (which carry none). */
export function findLabels(ref: { kind: WorkloadKind; id: string }): string[] {
  return Object.entries(identityLabels(ref))
    .filter(([k]) => k !== LABEL_KIND)
    .map(([k, v]) => `${k}=${v}`);
}

/**
 * Which workload an object's labels say it is; undefined when not Atrium's or of no known kind.
 * Workspaces from before atrium.kind carry none: atrium.server says what they are.
 */
export function refOf(labels: Record<string, string> | undefined): { kind: WorkloadKind; id: string } | undefined {
  const l = labels ?? {};
  if (l[LABEL_MANAGED] !== "true") return undefined;
  const named = l[LABEL_KIND];
  const kind = named === undefined ? (l[LABEL_SERVER] ? "workspace" : undefined) : KIND_NAMES.find((k) => k === named);
  if (!kind) return undefined;
  const id = rule(kind).idOf?.(l) ?? l[LABEL_ID];
  return id ? { kind, id } : undefined;
}

/**
 * Whether an object's labels say it is ref's and, when both the labels and the caller know it, the
 * same owner's (objects from before ids have none).
 */
export function labelsMatch(
  labels: Record<string, string> | undefined,
  ref: { kind: WorkloadKind; id: string },
  ownerId?: string,
): boolean {
  const found = refOf(labels);
  if (!found || found.kind !== ref.kind || found.id !== ref.id) return false;
  const labelled = labels?.[LABEL_USER_ID];
  return !ownerId || !labelled || labelled === ownerId;
}

/** Objects from before atrium.port were all Jupyter servers on this port. */
const PORT_BEFORE_LABEL = 8888;

/** The port the portal reaches an object on, from its labels; undefined for a kind that is not reached. */
export function portOf(labels: Record<string, string> | undefined): number | undefined {
  const raw = labels?.[LABEL_PORT];
  if (raw === undefined) return refOf(labels)?.kind === "workspace" ? PORT_BEFORE_LABEL : undefined;
  const port = Number(raw);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}
