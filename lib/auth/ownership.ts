/**
 * Who may change what a person made (experiments, runs, registered models, logged models and their
 * artifacts): the person herself, recognised by her immutable id, or an admin. Never by name: a name
 * can be created again after its person was deleted (docs/sessions.md), and the new person is someone
 * else. Every writer check goes through here.
 */
import type { Principal } from "./principal";

/** The owner of a thing, as stored next to it: her id (null when nobody's, e.g. the bootstrap token's) and her name for messages. */
export interface Owner {
  id: string | null;
  name: string | null;
}

/** Whether the caller is the person who owns it. An ownerless thing has no owner to be. */
export function isOwner(principal: Principal, ownerId: string | null): boolean {
  return ownerId !== null && principal.userId !== undefined && principal.userId === ownerId;
}

/** The owner or an admin. */
export function mayChange(principal: Principal, ownerId: string | null): boolean {
  return principal.admin || isOwner(principal, ownerId);
}

/**
 * Who may, for a refusal: "alice or an admin", "an admin" for an ownerless thing, and for a caller who
 * has the owner's name but is not her, says the owner's account was deleted (telling her that "alice"
 * may would be puzzling).
 */
export function whoMayChange(principal: Principal, owner: Owner): string {
  if (owner.id === null || owner.name === null) return "an admin";
  if (owner.name === principal.name) return `the earlier ${owner.name} (an account since deleted) or an admin`;
  return `${owner.name} or an admin`;
}

/** Throws `refuse("Only <who> may <action>.")` unless the caller is the owner or an admin. */
export function assertMayChange(principal: Principal, owner: Owner, action: string, refuse: (message: string) => Error): void {
  if (mayChange(principal, owner.id)) return;
  throw refuse(`Only ${whoMayChange(principal, owner)} may ${action}.`);
}
