import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import { findUser, insertUser, updateUser, type UserRow } from "@/db/queries/users";
import type { RoleSource } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";

export interface SignInProfile {
  name: string;
  displayName?: string | null;
  email?: string | null;
  /** The role the identity provider's groups grant; undefined for the development sign-in. */
  ssoRole?: string;
  method: "oidc" | "dev";
}

/**
 * Creates the person at first sign-in and keeps their role in step with SSO groups. A role an admin
 * set by hand (roleSource "admin") is kept, except that SSO admin groups always make an admin.
 */
export async function signInUser(db: Db, p: SignInProfile): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const configured = getConfig().adminUsers.includes(p.name);
    let wanted: { role: string; source: RoleSource } | undefined;
    if (configured) wanted = { role: "admin", source: "config" };
    else if (p.ssoRole && (await findRole(tx, p.ssoRole))) wanted = { role: p.ssoRole, source: "oidc" };
    else if (p.ssoRole) {
      console.warn(`[atrium] SSO mapped ${p.name} to unknown role "${p.ssoRole}"; using the default role.`);
      wanted = { role: "user", source: "default" };
    }

    const existing = await findUser(tx, p.name);
    let user: UserRow | undefined;
    if (!existing) {
      user = await insertUser(tx, {
        name: p.name,
        role: wanted?.role ?? "user",
        roleSource: wanted?.source ?? "default",
        displayName: p.displayName ?? null,
        email: p.email ?? null,
      });
    } else {
      const keepAdminChoice = existing.roleSource === "admin" && wanted?.role !== "admin";
      user = await updateUser(tx, p.name, {
        displayName: p.displayName ?? existing.displayName,
        email: p.email ?? existing.email,
        lastSeenAt: new Date(),
        ...(wanted && !keepAdminChoice ? { role: wanted.role, roleSource: wanted.source } : {}),
      });
    }
    if (!user) throw new Error(`could not store user ${p.name}`);
    await recordAudit(tx, { actor: user.name, action: "user.sign_in", target: user.name, detail: { method: p.method, role: user.role } });
    return user;
  });
}
