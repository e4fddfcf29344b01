/**
 * The one access rule, "may this caller do this to that" (docs/architecture.md, "Access"): routes,
 * lib functions that change things, the MLflow operation table, pages and the proxy ask `can` or
 * `assertCan`, and every list ANDs in `readableBy`. Everything is owned by its owner's id (users.id),
 * never her name: a name can come back after its person was deleted (docs/sessions.md), and names are
 * display data and URL keys. A resource built from a name in a URL carries the id that name stands for
 * now (`serverResourceAt` in lib/workspaces/query.ts, `personAt` in lib/users/find.ts).
 */
import { sql } from "drizzle-orm";
import { allRows, type ReadFilter } from "@/db/queries/readable";
import type { Principal } from "./principal";

type PersonalKind = "user" | "token" | "server" | "job";
/** Owned by their creator and read by everyone signed in: tracking things, and serving endpoints. */
type TrackingKind = "experiment" | "run" | "registered_model" | "model_version" | "logged_model" | "trace" | "endpoint";
export type ResourceKind = PersonalKind | TrackingKind | "environment";
/** read; write: make, change or delete; operate: start, stop, install into, run now, cancel; use: open, start in. */
export type Action = "read" | "write" | "operate" | "use";
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
  /** What holds it, whose owner may change it too: a trace's experiment. */
  parent?: Resource;
  /** A server's own workspace token, the only one of that kind that may act on it. */
  workspaceTokenId?: string | null;
  rolesAllowed?: readonly string[];
  /** An endpoint's invoke grants: people (by id) and API tokens (by id) who may call it besides its owner. */
  invokers?: Invokers;
  /** A server's shares (lib/sharing/): people (by id) and SSO groups who may "use" (open) it besides its owner. */
  sharedWith?: Grantees;
}
export interface Grantees {
  userIds: readonly string[];
  groups: readonly string[];
}
export interface Invokers {
  userIds: readonly string[];
  tokenIds: readonly string[];
}
/** A Principal or a narrower caller (lib/auth/scopes.ts); no `admin` is not an admin. */
export type Caller = Pick<Principal, "name" | "role" | "via"> &
  Partial<Pick<Principal, "admin" | "userId" | "tokenId" | "tokenKind" | "groups">>;
/** Each layer turns it into its own error: `refused` (lib/http/api-error.ts), `refusedTracking` (lib/tracking/errors.ts). */
export interface Refusal {
  status: 403 | 404;
  code: string;
  message: string;
}

/** A person (her account, her tokens' list) as `owner`: her id and name, or a name with no person (id null). */
export const userResource = (person: Owner & { name: string }): Resource => ({ kind: "user", id: person.name, owner: person });
export const tokenResource = (person: Owner, id = ""): Resource => ({ kind: "token", id, owner: person });
export const jobResource = (job: { id: string; ownerId: string; ownerName: string }): Resource => ({
  kind: "job",
  id: job.id,
  owner: { id: job.ownerId, name: job.ownerName },
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
type Experiment = { id: number; ownerId: string | null; owner: string | null };
export const experimentResource = (e: Experiment): Resource => ({
  kind: "experiment",
  id: String(e.id),
  owner: { id: e.ownerId, name: e.owner },
});
export const runResource = (r: { runUuid: string; ownerId: string | null; userId: string }): Resource => ({
  kind: "run",
  id: r.runUuid,
  owner: { id: r.ownerId, name: r.userId },
});
/** Its model versions too are changed by whoever may change it. */
export const registeredModelResource = (m: { name: string; ownerId: string | null; userId: string }): Resource => ({
  kind: "registered_model",
  id: m.name,
  owner: { id: m.ownerId, name: m.userId },
});
export const loggedModelResource = (m: { modelId: string; ownerId: string | null; creator: string }): Resource => ({
  kind: "logged_model",
  id: m.modelId,
  owner: { id: m.ownerId, name: m.creator },
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

/** A serving endpoint; `invokers` only matter for "use" (calling it). */
export const endpointResource = (e: { name: string; ownerId: string; ownerName: string }, invokers?: Invokers): Resource => ({
  kind: "endpoint",
  id: e.name,
  owner: { id: e.ownerId, name: e.ownerName },
  invokers,
});

/** A grant names this person, or the very token this caller came with (not another token of the same person). */
function isInvoker(caller: Caller, invokers: Invokers | undefined): boolean {
  if (!invokers) return false;
  if (caller.userId !== undefined && invokers.userIds.includes(caller.userId)) return true;
  return caller.via === "token" && caller.tokenId !== undefined && invokers.tokenIds.includes(caller.tokenId);
}

/** The server is shared with this person, by her id or one of her SSO groups (never by a token of its own). */
export function isSharedWith(caller: Caller, resource: Resource): boolean {
  const shares = resource.sharedWith;
  if (!shares || caller.userId === undefined) return false;
  return shares.userIds.includes(caller.userId) || (caller.groups ?? []).some((g) => shares.groups.includes(g));
}

const PERSONAL: readonly ResourceKind[] = ["user", "token", "server", "job"];
const isTracking = (kind: ResourceKind) => kind !== "environment" && !PERSONAL.includes(kind);

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
function whoMay(caller: Caller, { kind, owner, parent }: Resource): string {
  if (parent)
    return `${owner.id && owner.name ? `${owner.name} (who started it), ` : ""}the owner of ${parent.kind} ${parent.id} or an admin`;
  // A person's things named by a name with no person yet: still "<name> or an admin".
  if (owner.name === null || (owner.id === null && isTracking(kind))) return "an admin";
  if (owner.name === caller.name) return `the earlier ${owner.name} (an account since deleted) or an admin`;
  return `${owner.name} or an admin`;
}

/**
 * Null when allowed, else why not. Today: everyone signed in reads tracking things, their creator or an
 * admin changes them; the rest is its owner's or an admin's, another person's job being a 404. A serving
 * endpoint is read like tracking things and called ("use") by its owner, an admin or whom they granted it.
 */
export function refusalOf(caller: Caller, action: Action, resource: Resource, what?: string): Refusal | null {
  const { kind, id } = resource;
  if (kind === "environment") return environmentRefusal(caller.role, { name: id, rolesAllowed: resource.rolesAllowed });
  const workspaceToken = caller.via === "token" && caller.tokenKind === "workspace";
  if (kind === "server" && workspaceToken && (caller.tokenId === undefined || resource.workspaceTokenId !== caller.tokenId)) {
    return { status: 403, code: "insufficient_scope", message: `This workspace's token may act only on its own server, not on ${id}.` };
  }
  if ((action === "read" && isTracking(kind)) || caller.admin === true || isOwner(caller, resource.owner)) return null;
  if (resource.parent && isOwner(caller, resource.parent.owner)) return null;
  if (kind === "endpoint" && action === "use") {
    if (isInvoker(caller, resource.invokers)) return null;
    return {
      status: 403,
      code: "permission_denied",
      message: `Only ${whoMay(caller, resource).replace(/ or an admin$/, ", an admin")} or whom they granted it may call endpoint ${id}.`,
    };
  }
  // Shares give "use" (open it) only: reading its settings, stopping it or sharing it on stay its owner's.
  if (kind === "server" && action === "use" && isSharedWith(caller, resource)) return null;
  if (kind === "job") return { status: 404, code: "job_not_found", message: `There is no job "${id}".` };
  const verb = what ?? (!isTracking(kind) ? "do this" : kind === "run" ? `write to run ${id}` : `change ${kind.replace("_", " ")} ${id}`);
  return {
    status: 403,
    code: isTracking(kind) ? "permission_denied" : "forbidden",
    message: `Only ${whoMay(caller, resource)} may ${verb}.`,
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

/** What the caller may read, for every list and search; projects will narrow it here. */
export function readableBy(caller: Caller, kind: ResourceKind): ReadFilter {
  if (caller.admin === true || isTracking(kind)) return allRows;
  return ({ id }) => (id && caller.userId !== undefined ? sql`${id} = ${caller.userId}` : sql`false`);
}
