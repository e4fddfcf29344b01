import { getToken } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { foldMemberships, membershipsOf, type Memberships, type MembershipRow } from "@/db/queries/resource-permissions";
import { findTokenWithOwner, touchTokenLastUsed } from "@/db/queries/tokens";
import { touchUserLastSeen, type UserRow } from "@/db/queries/users";
import type { GrantPermission, ProjectRole, TokenKind } from "@/db/schema";
import { getConfig } from "@/lib/config";
import { activityDue } from "./activity";
import { credentialOf, type Credential, type HeaderSource } from "./credential";
import { tokenGrant, type ScopeName } from "./scopes";
import { getAuthSecret, usesSecureCookies } from "./secret";
import { userOfSession } from "./sessions";
import { constantTimeEqual, hashToken } from "./tokens";

/** Who is calling, as every route and the workspace proxy see it. */
export interface Principal {
  name: string;
  /**
   * The person's immutable id (users.id); undefined for the bootstrap and system principals, which are
   * nobody's. What a person makes is owned by this id, not by the name (lib/auth/access.ts).
   */
  userId?: string;
  role: string;
  /** Admin rights: the admin role, and for an API token also the "admin" scope (lib/auth/scopes.ts). */
  admin: boolean;
  via: "session" | "token" | "bootstrap";
  /** The api_tokens row used, when via === "token" (a workspace's MLflow token identifies its server). */
  tokenId?: string;
  tokenKind?: TokenKind;
  /** The token's scopes, expanded (lib/auth/scopes.ts); read only when via === "token": people and bootstrap have all. */
  scopes?: readonly ScopeName[];
  /** The sessions row (its id's hash) when via === "session": what a workspace origin's cookie is tied to. */
  sessionIdHash?: string;
  /** Her SSO groups as of her last SSO sign-in (users.sso_groups): what shares to a group match. */
  groups?: readonly string[];
  /**
   * Her role in each project she is in (by project id), directly or through the SSO groups of her latest
   * sign-in; read with the principal, so the access rule (lib/auth/access.ts) decides without a query.
   */
  projectRoles?: Readonly<Record<string, ProjectRole>>;
  /**
   * Her MLflow permissions on single experiments (by id) and registered models (by name), granted through
   * MLflow's `experiments/permissions/*` and `registered-models/permissions/*` (docs/projects.md, "Grants").
   */
  grants?: Grants;
}
export type Grants = Readonly<{
  experiment: Readonly<Record<string, GrantPermission>>;
  registered_model: Readonly<Record<string, GrantPermission>>;
}>;

export const BOOTSTRAP_PRINCIPAL: Principal = { name: "bootstrap", role: "admin", admin: true, via: "bootstrap" };
/** The portal itself, as the actor of what its background jobs do (tracking tokens, culling). */
export const SYSTEM_PRINCIPAL: Principal = { name: "atrium", role: "admin", admin: true, via: "bootstrap" };

export type { HeaderSource } from "./credential";

/** A person as a principal, with her project roles and grants as read (lib/auth/access.ts reads both). */
function principalOf(user: Pick<UserRow, "id" | "name" | "role" | "ssoGroups">, m: Memberships, via: Principal["via"]): Principal {
  const { projectRoles, grants } = m;
  const inProjects = Object.keys(projectRoles).length > 0 ? { projectRoles } : {};
  const granted = Object.keys(grants.experiment).length + Object.keys(grants.registered_model).length > 0 ? { grants } : {};
  const base = { name: user.name, userId: user.id, role: user.role, admin: user.role === "admin", via, groups: user.ssoGroups };
  return { ...base, ...inProjects, ...granted };
}

/** A person as a principal, her project roles and grants read now (one query). */
export async function personPrincipal(
  db: Db,
  user: Pick<UserRow, "id" | "name" | "role" | "ssoGroups">,
  via: Principal["via"],
): Promise<Principal> {
  return principalOf(user, await membershipsOf(db, user.id, user.ssoGroups), via);
}

/** A person and the membership rows read in the same query as her row (db/queries/tokens.ts, sessions.ts). */
function principalWith(user: UserRow, rows: readonly MembershipRow[], via: Principal["via"]): Principal {
  return principalOf(user, foldMemberships(rows), via);
}

/**
 * An API token (`Authorization: Bearer|token`) wins over the session cookie. An invalid or expired
 * token is not silently ignored in favour of the cookie: it yields null, so the caller gets a 401.
 */
export async function resolvePrincipal(db: Db, headers: HeaderSource): Promise<Principal | null> {
  const credential = credentialOf(headers);
  return credential ? resolveCredential(db, credential) : null;
}

/** The principal for one credential (see credential.ts): what callers that cache answers key by. */
export async function resolveCredential(db: Db, credential: Credential): Promise<Principal | null> {
  if (credential.kind === "token") {
    const raw = credential.token;
    const bootstrap = getConfig().bootstrapToken;
    if (bootstrap && constantTimeEqual(raw, bootstrap)) return BOOTSTRAP_PRINCIPAL;
    // One query: the token, its owner and her project roles. Nothing is cached, so a revoked token, a deleted
    // person or a changed role counts from the next request on, on every replica.
    const found = await findTokenWithOwner(db, hashToken(raw));
    const now = Date.now();
    if (!found || (found.token.expiresAt && found.token.expiresAt.getTime() <= now)) return null;
    const { token: row, user } = found;
    // A serving replica's bundle token opens its one bundle (lib/serving/bundle-token.ts) and is nobody anywhere else.
    if (row.kind === "bundle") return null;
    await Promise.all([
      activityDue(row.lastUsedAt, now) ? touchTokenLastUsed(db, row.id) : undefined,
      activityDue(user.lastSeenAt, now) ? touchUserLastSeen(db, user.name) : undefined,
    ]);
    const principal = principalWith(user, found.memberships, "token");
    return { ...principal, ...tokenGrant(row, principal.admin) };
  }
  const jwt = await getToken({
    req: { headers: { cookie: credential.cookies } },
    secret: getAuthSecret(),
    secureCookie: usesSecureCookies(),
  });
  // Only a live server-side session counts, not merely a validly signed cookie (lib/auth/sessions.ts).
  const live = await userOfSession(db, jwt);
  return live && { ...principalWith(live.user, live.memberships, "session"), sessionIdHash: live.idHash };
}
