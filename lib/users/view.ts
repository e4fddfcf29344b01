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
  };
}
export type UserView = ReturnType<typeof userView>;
