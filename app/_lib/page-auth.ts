import { forbidden, redirect } from "next/navigation";
import { headers } from "next/headers";
import { resolvePrincipal, type Principal } from "@atrium/core/lib/auth/principal";
import { hasScope } from "@atrium/core/lib/auth/scopes";
import { getDb } from "@atrium/core/lib/runtime/db";

/** The signed-in person for a server component, from the same resolver the API uses. */
export async function currentPrincipal(): Promise<Principal | null> {
  return resolvePrincipal(await getDb(), await headers());
}

/** Pages show everything of an account at once, so an API token needs the whole "account" scope to render one. */
export async function requireUser(): Promise<Principal> {
  const principal = await currentPrincipal();
  if (!principal) redirect("/signin");
  if (!hasScope(principal, "account")) forbidden();
  return principal;
}

/** Admin pages call this first: a non-admin gets the 403 page and nothing else is rendered. */
export async function requireAdmin(): Promise<Principal> {
  const principal = await requireUser();
  if (!principal.admin) forbidden();
  return principal;
}
