import type { UserRow } from "@/db/queries/users";

export function userView(u: UserRow) {
  return {
    name: u.name,
    displayName: u.displayName,
    email: u.email,
    role: u.role,
    roleSource: u.roleSource,
    limits: u.limits,
    createdAt: u.createdAt.toISOString(),
    lastSeenAt: u.lastSeenAt?.toISOString() ?? null,
    /** The SSO identity she is bound to (docs/sessions.md), so an admin can tell apart people whose names fold alike. */
    sso: u.oidcIssuer !== null && u.oidcSubject !== null ? { issuer: u.oidcIssuer, subject: u.oidcSubject } : null,
  };
}
export type UserView = ReturnType<typeof userView>;
