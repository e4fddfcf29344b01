import type { Db } from "@/db/client";
import { searchAdminUsers, type AdminUserRow } from "@/db/queries/admin-users";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";
import type { AdminUsersQuery } from "./schemas";

export interface AdminUserView {
  name: string;
  displayName: string | null;
  email: string | null;
  role: string;
  roleSource: string;
  /** Only the limits an admin set for this person. */
  overrides: AdminUserRow["limits"];
  /** The role's limits with the overrides applied: what the next start is checked against. */
  limits: Limits;
  running: { servers: number; cpu: number; memGb: number };
  /** Artifact bytes owned, against `limits.maxStorageGb`. */
  storedBytes: number;
  lastSeenAt: string | null;
}

function adminUserView(row: AdminUserRow): AdminUserView {
  return {
    name: row.name,
    displayName: row.displayName,
    email: row.email,
    role: row.role,
    roleSource: row.roleSource,
    overrides: row.limits,
    limits: effectiveLimits(row.roleLimits, row.limits),
    running: { servers: row.servers, cpu: row.cpu, memGb: row.memGb },
    storedBytes: row.storedBytes,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
  };
}

/** The admin users table: role, where it came from, what each person holds against their limits. */
export async function listAdminUsers(db: Db, query: AdminUsersQuery): Promise<{ total: number; items: AdminUserView[] }> {
  const page = await searchAdminUsers(db, query);
  return { total: page.total, items: page.items.map(adminUserView) };
}
