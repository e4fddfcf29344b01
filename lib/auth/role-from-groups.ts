import type { RoleGroupMap } from "@/lib/config";

/**
 * The role an SSO sign-in grants: admin groups win, then the first mapped group in the order the
 * mapping was written (so put stronger roles first), then the default role.
 */
export function roleFromGroups(
  groups: readonly string[],
  mapping: { adminGroups: readonly string[]; roleGroups: RoleGroupMap; defaultRole: string },
): string {
  if (groups.some((g) => mapping.adminGroups.includes(g))) return "admin";
  for (const [group, role] of Object.entries(mapping.roleGroups)) {
    if (groups.includes(group)) return role;
  }
  return mapping.defaultRole;
}
