/**
 * Who may call an endpoint besides its owner and admins (docs/serving.md, "Who may call an endpoint"), in the shape
 * of Databricks' permissions API narrowed to CAN_QUERY: a person by `user_name` (all her sessions and tokens that
 * carry `serving:invoke`) or one API token by `token_id` (that token only, e.g. an application's). Only the
 * endpoint's owner or an admin reads or changes the list.
 */
import type { Db } from "@/db/client";
import {
  countGrants,
  deleteGrant,
  describeGrants,
  findGrantees,
  writeGrants,
  type GrantRow,
  type OwnedEndpoint,
} from "@/db/queries/serving";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { recordEvents } from "@/lib/events/outbox";
import { assertMay, endpointNamed } from "./access";
import { invalidEndpointInput, servingError } from "./errors";
import { endpointEvent } from "./events";
import { MAX_GRANTS, type GrantRemovalInput, type PermissionsInput } from "./schemas";

async function permissionsView(db: Db, e: OwnedEndpoint) {
  const grants = await describeGrants(db, e.id);
  return {
    object_id: `/serving-endpoints/${e.id}`,
    object_type: "serving-endpoint",
    access_control_list: [
      { user_name: e.ownerName, permission_level: "CAN_MANAGE" },
      ...grants.map((g) =>
        g.kind === "user"
          ? { user_name: g.userName ?? "(a deleted account)", permission_level: "CAN_QUERY" }
          : { token_id: g.id, token_owner: g.tokenOwner, permission_level: "CAN_QUERY" },
      ),
    ],
  };
}

/** GET …/<name>/permissions. */
export async function getPermissions(db: Db, caller: Principal, name: string) {
  const e = await endpointNamed(db, name);
  assertMay(caller, "write", e);
  return permissionsView(db, e);
}

/** The grants a request names; a person or token that does not exist is refused by name. */
async function granteesOf(db: Db, input: PermissionsInput): Promise<GrantRow[]> {
  const names = input.access_control_list.flatMap((g) => (g.user_name !== undefined ? [g.user_name] : []));
  const tokenIds = input.access_control_list.flatMap((g) => (g.token_id !== undefined ? [g.token_id] : []));
  const found = await findGrantees(db, names, tokenIds);
  const idOf = new Map(found.users.map((u) => [u.name, u.id]));
  const missingName = names.find((n) => !idOf.has(n));
  if (missingName !== undefined) throw invalidEndpointInput(`There is no person named "${missingName}" to grant CAN_QUERY to.`);
  const missingToken = tokenIds.find((t) => !found.tokens.includes(t));
  if (missingToken !== undefined) throw invalidEndpointInput(`There is no API token "${missingToken}" to grant CAN_QUERY to.`);
  return [
    ...names.map((n) => ({ granteeKind: "user" as const, granteeId: idOf.get(n) ?? "" })),
    ...tokenIds.map((t) => ({ granteeKind: "token" as const, granteeId: t })),
  ];
}

/** One change of the grants, by the owner or an admin, with its audit entry and event; the list as it is after. */
function changeGrants(
  db: Db,
  caller: Principal,
  name: string,
  mode: "add" | "replace" | "remove",
  change: (tx: Db, e: OwnedEndpoint) => Promise<void>,
) {
  return db.transaction(async (tx) => {
    const e = await endpointNamed(tx, name, true);
    assertMay(caller, "write", e);
    await change(tx, e);
    const view = await permissionsView(tx, e);
    const detail = { id: e.id, mode, access_control_list: view.access_control_list };
    await recordAudit(tx, { actor: caller.name, action: "endpoint.permissions_update", target: e.name, detail });
    await recordEvents(tx, caller, [endpointEvent("endpoint.permissions_updated", e, detail)]);
    return view;
  });
}

/** PATCH adds grants, PUT makes the list exactly these (Databricks' semantics); both are audited. */
export function updatePermissions(db: Db, caller: Principal, name: string, input: PermissionsInput, mode: "add" | "replace") {
  return changeGrants(db, caller, name, mode, async (tx, e) => {
    const grants = await granteesOf(tx, input);
    await writeGrants(tx, e.id, grants, caller.userId ?? null, mode);
    if ((await countGrants(tx, e.id)) > MAX_GRANTS) {
      throw invalidEndpointInput(`An endpoint may have at most ${MAX_GRANTS} grants; remove some with PUT first.`);
    }
  });
}

/**
 * The endpoint page's "Remove" (DELETE /api/serving/<name>/grants): one grant by the grantee's id, which also
 * names a deleted account's grant. Atrium's; Databricks' API removes only by replacing the whole list.
 */
export function removeGrant(db: Db, caller: Principal, name: string, input: GrantRemovalInput) {
  return changeGrants(db, caller, name, "remove", async (tx, e) => {
    if (!(await deleteGrant(tx, e.id, { granteeKind: input.kind, granteeId: input.id }))) {
      throw servingError(
        "RESOURCE_DOES_NOT_EXIST",
        `The endpoint "${e.name}" has no grant to that ${input.kind === "user" ? "person" : "token"}; it may have been removed already.`,
      );
    }
  });
}
