/**
 * The one access rule: whether this caller may do this to that (docs/architecture.md, "Access"). Routes
 * (withUser's `access`), the lib functions that change things, the MLflow operation table, pages and the
 * workspace proxy all ask `can`/`assertCan` here, and every list or search filters with `readableBy`.
 * Projects (teams with roles) and deployments are meant to come in here, as inputs to the same rule.
 *
 * Owners: what a person makes in the tracking store is owned by her immutable id, never by her name (a
 * name can be created again after its person was deleted, docs/sessions.md). Servers, jobs, tokens and
 * accounts are keyed by the person's name and go with her, so they are owned by name.
 */
import { sql } from "drizzle-orm";
import { allRows, type ReadFilter } from "@/db/queries/readable";
import type { Principal } from "./principal";

export type ResourceKind =
  | "user"
  | "token"
  | "server"
  | "job"
  | "environment"
  | "experiment"
  | "run"
  | "registered_model"
  | "model_version"
  | "logged_model"
  | "trace";

/**
 * read: see it; write: make, change or delete it (or something in it); operate: start, stop or install
 * into a server, run or cancel a job; use: open a workspace, start a server or job in an environment.
 */
export type Action = "read" | "write" | "operate" | "use";

/** Who owns a thing: by id (`id` present; null when nobody's, e.g. the bootstrap token's) or by name (`id` absent). */
export interface Owner {
  id?: string | null;
  name: string | null;
}
/** The owner of what a person makes in the tracking store, always by id. */
export type OwnerById = Required<Owner>;

export interface Resource {
  kind: ResourceKind;
  /** How refusals name it: "alice/default", a run id, an experiment id. */
  id: string;
  owner: Owner;
  /** What holds it and whose owner may also change it: a trace's experiment. */
  parent?: Resource;
  /** A server's workspace token (servers.tracking_token_id): the one token of that kind that may act on it. */
  workspaceTokenId?: string | null;
  /** An environment's allowed roles (empty: every role). */
  rolesAllowed?: readonly string[];
}

/** The fields of a caller the rule reads: a Principal, or a narrower caller (lib/auth/scopes.ts); no `admin` is not an admin. */
export type Caller = Pick<Principal, "name" | "role" | "via"> & Partial<Pick<Principal, "admin" | "userId" | "tokenId" | "tokenKind">>;

/** A refusal, with the status and words the caller sees; each layer turns it into its own error type. */
export interface Refusal {
  status: 403 | 404;
  code: string;
  message: string;
}

export const userResource = (name: string): Resource => ({ kind: "user", id: name, owner: { name } });
export const tokenResource = (user: string, id = ""): Resource => ({ kind: "token", id, owner: { name: user } });
export const serverResource = (ref: { user: string; server: string }, workspaceTokenId: string | null = null): Resource => ({
  kind: "server",
  id: `${ref.user}/${ref.server}`,
  owner: { name: ref.user },
  workspaceTokenId,
});
export const jobResource = (job: { id: string; ownerName: string }): Resource => ({ kind: "job", id: job.id, owner: { name: job.ownerName } });
export const environmentResource = (env: { name: string; rolesAllowed: readonly string[] }): Resource => ({
  kind: "environment",
  id: env.name,
  owner: { name: null },
  rolesAllowed: env.rolesAllowed,
});

/** A tracking thing's owner: her id (null when nobody's, e.g. the bootstrap token's) and her name for refusals. */
const byId = (id: string | null, name: string | null): OwnerById => ({ id, name });
export const experimentResource = (e: { id: number; ownerId: string | null; owner: string | null }): Resource => ({
  kind: "experiment",
  id: String(e.id),
  owner: byId(e.ownerId, e.owner),
});
export const runResource = (r: { runUuid: string; ownerId: string | null; userId: string }): Resource => ({
  kind: "run",
  id: r.runUuid,
  owner: byId(r.ownerId, r.userId),
});
/** A model version is changed by whoever may change its registered model. */
export const registeredModelResource = (m: { name: string; ownerId: string | null; userId: string }): Resource => ({
  kind: "registered_model",
  id: m.name,
  owner: byId(m.ownerId, m.userId),
});
export const loggedModelResource = (m: { modelId: string; ownerId: string | null; creator: string }): Resource => ({
  kind: "logged_model",
  id: m.modelId,
  owner: byId(m.ownerId, m.creator),
});
/** A trace is also changed by the owner of its experiment. */
export const traceResource = (
  t: { traceId: string; ownerId: string | null; creator: string | null },
  experiment: Parameters<typeof experimentResource>[0],
): Resource => ({ kind: "trace", id: t.traceId, owner: byId(t.ownerId, t.creator), parent: experimentResource(experiment) });

/** Everyone signed in reads these (MLflow's own behaviour without its auth plugin). */
const READ_BY_EVERYONE: ReadonlySet<ResourceKind> = new Set([
  "environment",
  "experiment",
  "run",
  "registered_model",
  "model_version",
  "logged_model",
  "trace",
]);
/** Another person's refused job does not exist for the caller (GitHub's 404 for a private repository). */
const HIDDEN_WHEN_REFUSED: ReadonlySet<ResourceKind> = new Set(["job"]);
const TRACKING: ReadonlySet<ResourceKind> = new Set(["experiment", "run", "registered_model", "model_version", "logged_model", "trace"]);

/** Whether the caller is the person who owns it. An ownerless thing has no owner to be. */
export function isOwner(caller: Caller, owner: Owner): boolean {
  if (owner.id !== undefined) return owner.id !== null && caller.userId !== undefined && caller.userId === owner.id;
  return owner.name !== null && caller.name === owner.name;
}

/** May a person of this role start something in the environment. Admins may use every environment, as the catalog shows. */
export function roleMayUse(role: string, env: { rolesAllowed?: readonly string[] | undefined }): boolean {
  const allowed = env.rolesAllowed ?? [];
  return allowed.length === 0 || allowed.includes(role) || role === "admin";
}

/** The refusal when the environment's roles leave this role out. */
export function environmentRefusal(role: string, env: { name: string; rolesAllowed: readonly string[] }): Refusal | null {
  if (roleMayUse(role, env)) return null;
  return { status: 403, code: "environment_not_allowed", message: `The environment "${env.name}" is not available to role '${role}'.` };
}

/**
 * Who may, for a refusal: "alice or an admin", "an admin" for an ownerless thing; a caller who has the
 * owner's name but is not her is told the owner's account was deleted (that "alice" may would puzzle her).
 */
export function whoMay(caller: Caller, resource: Resource): string {
  const { owner, parent } = resource;
  if (parent) {
    const self = owner.id && owner.name ? `${owner.name} (who started it), ` : "";
    return `${self}the owner of ${parent.kind} ${parent.id} or an admin`;
  }
  if (owner.id === null || owner.name === null) return "an admin";
  if (owner.id !== undefined && owner.name === caller.name) return `the earlier ${owner.name} (an account since deleted) or an admin`;
  return `${owner.name} or an admin`;
}

const KIND_WORDS: Record<ResourceKind, string> = {
  user: "account",
  token: "token",
  server: "server",
  job: "job",
  environment: "environment",
  experiment: "experiment",
  run: "run",
  registered_model: "registered model",
  model_version: "model version",
  logged_model: "logged model",
  trace: "trace",
};

/** What the refusal says the caller wanted to do: "write to run <id>", "change experiment 3", or "do this". */
function defaultWhat(action: Action, resource: Resource): string {
  if (!TRACKING.has(resource.kind)) return "do this";
  return resource.kind === "run" ? `write to run ${resource.id}` : `change ${KIND_WORDS[resource.kind]} ${resource.id}`;
}

/** Null when allowed; else why not, with the status and sentence the caller sees. */
export function refusalOf(caller: Caller, action: Action, resource: Resource, what = defaultWhat(action, resource)): Refusal | null {
  if (resource.kind === "environment") return roleMayUse(caller.role, resource) ? null : environmentRefusal(caller.role, { name: resource.id, rolesAllowed: resource.rolesAllowed ?? [] });
  // A workspace's token is its server's, on behalf of its owner: no other server, even of the same person.
  if (resource.kind === "server" && caller.via === "token" && caller.tokenKind === "workspace") {
    if (caller.tokenId === undefined || resource.workspaceTokenId !== caller.tokenId) {
      return { status: 403, code: "insufficient_scope", message: `This workspace's token may act only on its own server, not on ${resource.id}.` };
    }
  }
  if (action === "read" && READ_BY_EVERYONE.has(resource.kind)) return null;
  if (caller.admin === true || isOwner(caller, resource.owner)) return null;
  if (resource.parent && isOwner(caller, resource.parent.owner)) return null;
  if (HIDDEN_WHEN_REFUSED.has(resource.kind)) {
    return { status: 404, code: `${resource.kind}_not_found`, message: `There is no ${KIND_WORDS[resource.kind]} "${resource.id}".` };
  }
  return { status: 403, code: TRACKING.has(resource.kind) ? "permission_denied" : "forbidden", message: `Only ${whoMay(caller, resource)} may ${what}.` };
}

/** May this caller do this to that. */
export function can(caller: Caller, action: Action, resource: Resource): boolean {
  return refusalOf(caller, action, resource) === null;
}

/**
 * Throws `refuse(refusal)` unless the caller may: `refused` (lib/http/api-error.ts) on the portal's
 * routes, MLflow's errors on its surface. `what` replaces "do this" in the sentence.
 */
export function assertCan(caller: Caller, action: Action, resource: Resource, refuse: (r: Refusal) => Error, what?: string): void {
  const refusal = refusalOf(caller, action, resource, what);
  if (refusal) throw refuse(refusal);
}

/**
 * Every list and search ANDs this in, so who sees what is decided here alone. Today everyone signed in
 * reads tracking data, and people see their own servers and jobs (admins everything).
 */
export function readableBy(caller: Caller, kind: ResourceKind): ReadFilter {
  if (caller.admin === true || READ_BY_EVERYONE.has(kind)) return allRows;
  return (owner) => {
    if (owner.id) return caller.userId === undefined ? sql`false` : sql`${owner.id} = ${caller.userId}`;
    return owner.name ? sql`${owner.name} = ${caller.name}` : sql`false`;
  };
}
