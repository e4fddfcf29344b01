import type { Db } from "@/db/client";
import { countUsersByRole } from "@/db/queries/admin-users";
import { getRoles } from "@/lib/roles/manage";

/** Each role's limits with how many people have it, for the roles-and-limits editor. */
export async function getRolesWithPeople(db: Db) {
  const [roles, people] = await Promise.all([getRoles(db), countUsersByRole(db)]);
  return roles.map((r) => ({ ...r, people: people.get(r.name) ?? 0 }));
}
