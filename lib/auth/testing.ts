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
