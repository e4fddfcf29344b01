/**
 * Who may do what to an endpoint, as the one access rule (lib/auth/access.ts) decides it: read by everyone signed
 * in, changed by its owner or an admin, called by them and by the people and tokens they granted it.
 */
import type { Db } from "@/db/client";
import { findEndpoint, listGrants, type GrantRow, type OwnedEndpoint } from "@/db/queries/serving";
import { assertCan, can, endpointResource, refusalOf, type Action, type Caller, type Invokers, type Refusal } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { hasScope, insufficientScope } from "@/lib/auth/scopes";
import { noSuchEndpoint, servingError } from "./errors";
import type { PermissionLevel } from "./view";

export function invokersOf(grants: readonly GrantRow[]): Invokers {
  return {
    userIds: grants.filter((g) => g.granteeKind === "user").map((g) => g.granteeId),
    tokenIds: grants.filter((g) => g.granteeKind === "token").map((g) => g.granteeId),
  };
}

export const resourceOf = (e: OwnedEndpoint, invokers?: Invokers) => endpointResource(e, invokers);

/** Throws the rule's refusal as PERMISSION_DENIED; `what` names the deed in it ("read the request log of …"). */
export function assertMay(caller: Caller, action: Action, e: OwnedEndpoint, invokers?: Invokers, what?: string): void {
  assertCan(caller, action, resourceOf(e, invokers), (r) => servingError("PERMISSION_DENIED", r.message), what);
}

/** Databricks' permission_level of the caller on the endpoint. */
export function permissionLevelOf(caller: Caller, e: OwnedEndpoint, granted: boolean): PermissionLevel {
  if (can(caller, "write", resourceOf(e))) return "CAN_MANAGE";
  return granted ? "CAN_QUERY" : "CAN_VIEW";
}

/** The endpoint, or RESOURCE_DOES_NOT_EXIST; `lock` holds its row for the transaction. */
export async function endpointNamed(db: Db, name: string, lock = false): Promise<OwnedEndpoint> {
  const e = await findEndpoint(db, name, lock);
  if (!e) throw noSuchEndpoint(name);
  return e;
}

/**
 * Whether this caller may call the endpoint (the invocations route asks this): a token needs `serving:invoke`,
 * then the access rule with the endpoint's grants. Null when allowed; an unknown endpoint is a 404.
 */
export async function invokeRefusal(db: Db, caller: Principal, name: string): Promise<Refusal | null> {
  const e = await findEndpoint(db, name);
  if (!e) return { status: 404, code: "resource_does_not_exist", message: `There is no serving endpoint "${name}".` };
  return invokeRefusalWith(caller, e, await listGrants(db, e.id));
}

/** invokeRefusal for an endpoint and grants already read (the invocations proxy caches them briefly). */
export function invokeRefusalWith(caller: Principal, e: OwnedEndpoint, grants: readonly GrantRow[]): Refusal | null {
  if (!hasScope(caller, "serving:invoke")) {
    const s = insufficientScope("serving:invoke");
    return { status: s.status, code: s.error, message: s.message };
  }
  return refusalOf(caller, "use", resourceOf(e, invokersOf(grants)));
}
