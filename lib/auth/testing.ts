import type { Db } from "@/db/client";
import { findUser } from "@/db/queries/users";
import { expandScopes, type ScopedCaller } from "./scopes";

/** Callers for scope checks: a person in the browser, the bootstrap token, and an API token of ann's. */
export const person: ScopedCaller = { name: "ann", role: "user", via: "session" };
export const bootstrap: ScopedCaller = { name: "bootstrap", role: "admin", via: "bootstrap" };
export const tokenCaller = (names: string[], extra: Partial<ScopedCaller> = {}): ScopedCaller => ({
  name: "ann",
  role: "user",
  via: "token",
  tokenId: "tok_a",
  tokenKind: "personal",
  scopes: expandScopes(names),
  ...extra,
});

/**
 * Gives test principals the ids their people got in the database (by name), as resolvePrincipal would:
 * what they own is owned by that id (lib/auth/access.ts). Call it after the people are inserted.
 */
export async function bindIds(db: Db, ...principals: Array<{ name: string; userId?: string }>): Promise<void> {
  for (const p of principals) p.userId = (await findUser(db, p.name))?.id;
}
