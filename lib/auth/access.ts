/**
 * The one access rule, "may this caller do this to that" (docs/architecture.md, "Access"; docs/projects.md):
 * routes, lib functions that change things, the MLflow operation table, pages and the proxy ask `can` or
 * `assertCan`, and every list ANDs in `readableBy`. Everything is owned by its owner's id (users.id),
 * never her name: a name can come back after its person was deleted (docs/sessions.md), and names are
 * display data and URL keys. A resource built from a name in a URL carries the id that name stands for
 * now (`serverResourceAt` in lib/workspaces/query.ts, `personAt` in lib/users/find.ts).
 *
 * Experiments (and what they hold), registered models, jobs and endpoints live in a project or in their
 * owner's personal space (a project of one, `project_id` null). The caller's level on one is the highest of:
 * MANAGE for admins, its creator and the creator of what holds it; her role in its project (or MANAGE in her
 * own personal space); and ATRIUM_DEFAULT_PERMISSION for what everyone could read before projects.
 */
import { sql } from "drizzle-orm";
import { allRows, memberRows, type ReadFilter } from "@/db/queries/readable";
import type { ProjectRole } from "@/db/schema";
import { getConfig } from "@/lib/config";
import type { Principal } from "./principal";

type PersonalKind = "user" | "token" | "server" | "job";
/** Owned by their creator and read by everyone signed in: tracking things, and serving endpoints. */
type TrackingKind = "experiment" | "run" | "registered_model" | "model_version" | "logged_model" | "trace" | "endpoint";
export type ResourceKind = PersonalKind | TrackingKind | "environment" | "project";
/**
 * read; write: make, change or delete; operate: start, stop, install into, run now, cancel; use: open, start in;
 * manage: a project's members and settings. In a project they need MLflow's levels READ, USE, EDIT and MANAGE.
 */
export type Action = "read" | "write" | "operate" | "use" | "manage";

/** MLflow's permission levels, weakest first; NONE: not even read. */
const LEVELS = ["NONE", "READ", "USE", "EDIT", "MANAGE"] as const;
type Level = (typeof LEVELS)[number];
const rank = (level: Level) => LEVELS.indexOf(level);
/** What each project role may do (docs/projects.md). */
const ROLE_LEVEL: Readonly<Record<ProjectRole, Level>> = { viewer: "READ", user: "USE", editor: "EDIT", owner: "MANAGE" };
const ACTION_LEVEL: Readonly<Record<Action, Level>> = { read: "READ", use: "USE", operate: "USE", write: "EDIT", manage: "MANAGE" };
/** Who in a project reaches this level, for refusals. */
const MEMBERS_AT: Readonly<Record<Level, string>> = {
  NONE: "members",
  READ: "members",
  USE: "users, editors and owners",
  EDIT: "editors and owners",
  MANAGE: "owners",
};

/** Where a resource lives: a project by id, or (null) the personal space of `ownerId`. */
export interface Space {
  projectId: string | null;
  ownerId: string | null;
}
/** Owned by `id` (users.id); null: nobody's (the bootstrap token's, a name with no person), so admins only. `name` is how refusals name her. */
export interface Owner {
  id: string | null;
  name: string | null;
}
export interface Resource {
  kind: ResourceKind;
  /** How refusals name it. */
  id: string;
  owner: Owner;
  /** What holds it, whose owner may change it too and whose space it lives in: a run's or a trace's experiment. */
  parent?: Resource;
  /** Its project; absent: where its parent lives, else its owner's personal space. */
  space?: Space;
  /** A server's own workspace token, the only one of that kind that may act on it. */
  workspaceTokenId?: string | null;
  rolesAllowed?: readonly string[];
  /** An endpoint's invoke grants: people (by id) and API tokens (by id) who may call it besides its owner. */
  invokers?: Invokers;
  /** A server's shares (lib/sharing/): people (by id), SSO groups and projects' members who may "use" (open) it besides its owner. */
  sharedWith?: Grantees;
}
export interface Grantees {
  userIds: readonly string[];
  groups: readonly string[];
  /** Projects (by id) whose members, in any role, may open it (docs/sharing.md). */
  projectIds?: readonly string[];
}
export interface Invokers {
  userIds: readonly string[];
  tokenIds: readonly string[];
}
/** A Principal or a narrower caller (lib/auth/scopes.ts); no `admin` is not an admin. */
export type Caller = Pick<Principal, "name" | "role" | "via"> &
  Partial<Pick<Principal, "admin" | "userId" | "tokenId" | "tokenKind" | "groups" | "projectRoles" | "grants">>;
/** Each layer turns it into its own error: `refused` (lib/http/api-error.ts), `refusedTracking` (lib/tracking/errors.ts). */
export interface Refusal {
  status: 403 | 404;
  code: string;
  message: string;
}

/** A person (her account, her tokens' list) as `owner`: her id and name, or a name with no person (id null). */
export const userResource = (person: Owner & { name: string }): Resource => ({ kind: "user", id: person.name, owner: person });
export const tokenResource = (person: Owner, id = ""): Resource => ({ kind: "token", id, owner: person });
/** Null: the owner's personal space. */
const spaceOf = (projectId: string | null | undefined, ownerId: string | null): Space | undefined =>
  projectId === undefined ? undefined : { projectId, ownerId };

export const jobResource = (job: { id: string; ownerId: string; ownerName: string; projectId?: string | null }): Resource => ({
  kind: "job",
  id: job.id,
  owner: { id: job.ownerId, name: job.ownerName },
  space: spaceOf(job.projectId, job.ownerId),
});
/** `ownerId`: the server row's owner, or for a server not made yet the id its user name stands for (null: none). */
export const serverResource = (
  ref: { user: string; server: string; ownerId: string | null },
  workspaceTokenId: string | null = null,
  sharedWith?: Grantees,
): Resource => ({
  kind: "server",
  id: `${ref.user}/${ref.server}`,
  owner: { id: ref.ownerId, name: ref.user },
  workspaceTokenId,
  sharedWith,
});
export const environmentResource = (env: { name: string; rolesAllowed: readonly string[] }): Resource => ({
  kind: "environment",
  id: env.name,
  owner: { id: null, name: null },
  rolesAllowed: env.rolesAllowed,
});
type Experiment = { id: number; ownerId: string | null; owner: string | null; projectId?: string | null };
export const experimentResource = (e: Experiment): Resource => ({
  kind: "experiment",
  id: String(e.id),
  owner: { id: e.ownerId, name: e.owner },
  space: spaceOf(e.projectId, e.ownerId),
});
/**
 * MLflow's Default experiment, which nobody owns: every client that never chose an experiment logs its runs there,
 * so everyone signed in may create runs in it (lib/tracking/http/targets.ts), and each such run lives in its
 * creator's personal space, not in the experiment's.
 */
export const DEFAULT_EXPERIMENT_ID = 0;
/** The experiment a thing in it lives in: its space, and its creator may change the thing too. */
const heldBy = (experiment: Experiment | undefined) =>
  experiment && experiment.id !== DEFAULT_EXPERIMENT_ID ? { parent: experimentResource(experiment) } : {};

/** In its experiment's space when the experiment is given; its creator and the experiment's may change it. */
export const runResource = (r: { runUuid: string; ownerId: string | null; userId: string }, experiment?: Experiment): Resource => ({
  kind: "run",
  id: r.runUuid,
  owner: { id: r.ownerId, name: r.userId },
  ...heldBy(experiment),
});
/** Its model versions too are changed by whoever may change it. */
export const registeredModelResource = (m: {
  name: string;
  ownerId: string | null;
  userId: string;
  projectId?: string | null;
}): Resource => ({
  kind: "registered_model",
  id: m.name,
  owner: { id: m.ownerId, name: m.userId },
  space: spaceOf(m.projectId, m.ownerId),
});
export const loggedModelResource = (
  m: { modelId: string; ownerId: string | null; creator: string },
  experiment?: Experiment,
): Resource => ({
  kind: "logged_model",
  id: m.modelId,
  owner: { id: m.ownerId, name: m.creator },
  ...heldBy(experiment),
});
export const traceResource = (
  t: { traceId: string; ownerId: string | null; creator: string | null },
  experiment: Experiment,
): Resource => ({
  kind: "trace",
  id: t.traceId,
  owner: { id: t.ownerId, name: t.creator },
  parent: experimentResource(experiment),
});

/** A project, as the thing its members and settings belong to: its owners manage it, every member reads it. */
export const projectResource = (p: { id: string; name: string }): Resource => ({
  kind: "project",
  id: p.name,
  owner: { id: null, name: null },
  space: { projectId: p.id, ownerId: null },
});

/** A serving endpoint; `invokers` only matter for "use" (calling it). */
export const endpointResource = (
  e: { name: string; ownerId: string; ownerName: string; projectId?: string | null },
  invokers?: Invokers,
): Resource => ({
  kind: "endpoint",
  id: e.name,
  owner: { id: e.ownerId, name: e.ownerName },
  invokers,
  space: spaceOf(e.projectId, e.ownerId),
});

/** A grant names this person, or the very token this caller came with (not another token of the same person). */
function isInvoker(caller: Caller, invokers: Invokers | undefined): boolean {
  if (!invokers) return false;
  if (caller.userId !== undefined && invokers.userIds.includes(caller.userId)) return true;
  return caller.via === "token" && caller.tokenId !== undefined && invokers.tokenIds.includes(caller.tokenId);
}

/** The server is shared with this person, by her id, one of her SSO groups or one of her projects (never by a token of its own). */
function isSharedWith(caller: Caller, resource: Resource): boolean {
  const shares = resource.sharedWith;
  if (!shares || caller.userId === undefined) return false;
  if (shares.userIds.includes(caller.userId) || (caller.groups ?? []).some((g) => shares.groups.includes(g))) return true;
  return (shares.projectIds ?? []).some((id) => caller.projectRoles?.[id] !== undefined);
}

const PERSONAL: readonly ResourceKind[] = ["user", "token", "server", "job"];
const isTracking = (kind: ResourceKind) => kind !== "environment" && kind !== "project" && !PERSONAL.includes(kind);
/** What lives in a project or a personal space (and a project itself); users, tokens and servers stay their owner's alone. */
const inSpaces = (kind: ResourceKind) => kind === "job" || kind === "project" || isTracking(kind);
/** What everyone signed in read before projects: ATRIUM_DEFAULT_PERMISSION=READ keeps it so. */
const defaultLevel = (kind: ResourceKind): Level => (isTracking(kind) && getConfig().defaultPermission === "READ" ? "READ" : "NONE");

/** The space a resource lives in: its own, its parent's, else its owner's personal space. */
function spaceOfResource(r: Resource): Space {
  return r.space ?? (r.parent ? spaceOfResource(r.parent) : { projectId: null, ownerId: r.owner.id });
}

/** The caller's role in a space: her role in the project, or owner of her own personal space. */
export function roleIn(caller: Caller, space: Space): ProjectRole | undefined {
  if (space.projectId !== null) return caller.projectRoles?.[space.projectId];
  return space.ownerId !== null && caller.userId !== undefined && caller.userId === space.ownerId ? "owner" : undefined;
}

/**
 * What MLflow's per-resource permissions grant the caller on it (docs/projects.md, "Grants"): her grant on the
 * experiment (or what holds it: a run's, trace's or logged model's) or on the registered model (a version's).
 */
function grantedLevel(caller: Caller, resource: Resource): Level {
  const grants = caller.grants;
  if (!grants) return "NONE";
  const held = resource.parent ?? resource;
  const permission =
    held.kind === "experiment"
      ? grants.experiment[held.id]
      : held.kind === "registered_model" || held.kind === "model_version"
        ? grants.registered_model[held.id]
        : undefined;
  return permission === undefined || permission === "NO_PERMISSIONS" ? "NONE" : permission;
}

const strongest = (levels: readonly Level[]): Level => levels.reduce((a, b) => (rank(b) > rank(a) ? b : a), "NONE");

/**
 * The caller's MLflow level on a resource that lives in a space (docs/projects.md, "The one rule"): the
 * strongest of MANAGE for admins and creators, her role in its space, her grant on it, and the default.
 */
export function levelOf(caller: Caller, resource: Resource): Level {
  if (caller.admin === true || isOwner(caller, resource.owner)) return "MANAGE";
  if (resource.parent && isOwner(caller, resource.parent.owner)) return "MANAGE";
  const role = roleIn(caller, spaceOfResource(resource));
  return strongest([role ? ROLE_LEVEL[role] : "NONE", grantedLevel(caller, resource), defaultLevel(resource.kind)]);
}

export function isOwner(caller: Caller, owner: Owner): boolean {
  return owner.id !== null && caller.userId !== undefined && caller.userId === owner.id;
}

/** Admins may use every environment, as the catalog shows. */
export function environmentRefusal(role: string, env: { name: string; rolesAllowed?: readonly string[] | undefined }): Refusal | null {
  const allowed = env.rolesAllowed ?? [];
  if (allowed.length === 0 || allowed.includes(role) || role === "admin") return null;
  return { status: 403, code: "environment_not_allowed", message: `The environment "${env.name}" is not available to role '${role}'.` };
}

/** "alice or an admin"; a namesake of a deleted owner is told so, since "alice may" would puzzle her. */
function whoMay(caller: Caller, resource: Resource, needed: Level): string {
  const { kind, owner, parent } = resource;
  if (spaceOfResource(resource).projectId !== null) {
    const creator = owner.id && owner.name ? `${owner.name} (its creator), ` : "";
    return `${creator}its project's ${MEMBERS_AT[needed]} or an admin`;
  }
  if (parent && parent.owner.id !== owner.id)
    return `${owner.id && owner.name ? `${owner.name} (who started it), ` : ""}the owner of ${parent.kind} ${parent.id} or an admin`;
  // A person's things named by a name with no person yet: still "<name> or an admin".
  if (owner.name === null || (owner.id === null && isTracking(kind))) return "an admin";
  if (owner.name === caller.name) return `the earlier ${owner.name} (an account since deleted) or an admin`;
  return `${owner.name} or an admin`;
}

/**
 * Null when allowed, else why not. Users, tokens and servers: their owner's or an admin's. What lives in a
 * space: the caller's level (`levelOf`) must reach the action's; a serving endpoint is also called ("use") by
 * whom its owner granted it; a job the caller may not even read is a 404, and so is anything else whose
 * mere existence the caller may not learn (ATRIUM_DEFAULT_PERMISSION=NONE).
 */
export function refusalOf(caller: Caller, action: Action, resource: Resource, what?: string): Refusal | null {
  const { kind, id } = resource;
  if (kind === "environment") return environmentRefusal(caller.role, { name: id, rolesAllowed: resource.rolesAllowed });
  const workspaceToken = caller.via === "token" && caller.tokenKind === "workspace";
  if (kind === "server" && workspaceToken && (caller.tokenId === undefined || resource.workspaceTokenId !== caller.tokenId)) {
    return { status: 403, code: "insufficient_scope", message: `This workspace's token may act only on its own server, not on ${id}.` };
  }
  if (!inSpaces(kind)) {
    if (caller.admin === true || isOwner(caller, resource.owner)) return null;
    // Shares give "use" (open it) only: reading its settings, stopping it or sharing it on stay its owner's.
    if (kind === "server" && action === "use" && isSharedWith(caller, resource)) return null;
    return { status: 403, code: "forbidden", message: `Only ${whoMay(caller, resource, "MANAGE")} may ${what ?? "do this"}.` };
  }
  const level = levelOf(caller, resource);
  const needed = ACTION_LEVEL[action];
  if (rank(level) >= rank(needed)) return null;
  if (kind === "endpoint" && action === "use" && isInvoker(caller, resource.invokers)) return null;
  if (kind === "job" && level === "NONE") return { status: 404, code: "job_not_found", message: `There is no job "${id}".` };
  if (level === "NONE") return { status: 404, code: "not_found", message: `There is no ${kind.replace("_", " ")} ${id}.` };
  if (kind === "endpoint" && action === "use") {
    return {
      status: 403,
      code: "permission_denied",
      message: `Only ${whoMay(caller, resource, needed).replace(/ or an admin$/, ", an admin")} or whom they granted it may call endpoint ${id}.`,
    };
  }
  const verb = what ?? (kind === "job" ? "do this" : kind === "run" ? `write to run ${id}` : `change ${kind.replace("_", " ")} ${id}`);
  return {
    status: 403,
    code: kind === "job" ? "forbidden" : "permission_denied",
    message: `Only ${whoMay(caller, resource, needed)} may ${verb}.`,
  };
}

export function can(caller: Caller, action: Action, resource: Resource): boolean {
  return refusalOf(caller, action, resource) === null;
}

/** Throws `refuse(refusal)` unless the caller may; `what` replaces the refusal's words for the deed. */
export function assertCan(caller: Caller, action: Action, resource: Resource, refuse: (r: Refusal) => Error, what?: string): void {
  const refusal = refusalOf(caller, action, resource, what);
  if (refusal) throw refuse(refusal);
}

/** The projects the caller may read in (every role reads). */
export const projectIdsOf = (caller: Caller): string[] => Object.keys(caller.projectRoles ?? {});

/**
 * What the caller may read, for every list and search, as SQL (`memberRows`, db/queries/readable.ts): what she
 * made, what lives in her personal space and in her projects; everything for admins, and with
 * ATRIUM_DEFAULT_PERMISSION=READ every tracking thing and endpoint. Users, tokens and servers: her own.
 */
export function readableBy(caller: Caller, kind: ResourceKind): ReadFilter {
  if (caller.admin === true || defaultLevel(kind) === "READ") return allRows;
  if (inSpaces(kind)) return memberRows({ userId: caller.userId, projectIds: projectIdsOf(caller), groups: caller.groups });
  return ({ id }) => (id && caller.userId !== undefined ? sql`${id} = ${caller.userId}` : sql`false`);
}
