import type { Db } from "@/db/client";
import { findRole, listRoles } from "@/db/queries/roles";
import { findUser } from "@/db/queries/users";
import type { Principal } from "@/lib/auth/principal";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";
import { storageUsageOf, type StorageUsage } from "@/lib/quota/storage";
import { heldBy, nothingHeld, type Usage } from "@/lib/quota/holdings";
import { quotaError, quotaRefusal, SMALLEST_START } from "@/lib/workspaces/quota";

export interface Me {
  name: string;
  displayName: string | null;
  role: string;
  admin: boolean;
  limits: Limits;
  /** What her workloads hold now (lib/quota/holdings.ts). */
  usage: Usage;
  /** Artifact bytes of the person's runs and models against `limits.maxStorageGb`. */
  storage: StorageUsage;
  /**
   * The server's own refusal of the smallest start she could ask for now (lib/workspaces/quota.ts), null when
   * one fits: the start form shows this sentence, with the role that would allow it, instead of a start button.
   */
  startRefusal: string | null;
}

export async function describeMe(db: Db, principal: Principal): Promise<Me> {
  const user = await findUser(db, principal.name);
  const role = await findRole(db, principal.role);
  if (!role) throw new Error(`role ${principal.role} is missing`);
  const limits = effectiveLimits(role, user?.limits ?? {});
  const usage = user ? await heldBy(db, user.id) : nothingHeld();
  // The smallest start the form offers, never more than a workspace may have: only totals and counts can refuse it.
  const smallest = { cpu: Math.min(SMALLEST_START.cpu, limits.maxCpu), memGb: Math.min(SMALLEST_START.memGb, limits.maxMemGb) };
  const refusal = quotaRefusal(smallest, limits, usage, principal.role);
  return {
    name: principal.name,
    displayName: user?.displayName ?? null,
    role: principal.role,
    admin: principal.admin,
    limits,
    usage,
    storage: await storageUsageOf(db, principal.userId ?? null, limits.maxStorageGb),
    startRefusal: refusal ? quotaError(refusal, principal.role, await listRoles(db)).message : null,
  };
}

/**
 * A person's limits and what her workloads hold, by name: what an admin restarting someone else's
 * server must fit (the owner's quota counts, not the admin's). Undefined when there is no such user.
 */
export async function allowanceOf(db: Db, name: string): Promise<Pick<Me, "limits" | "usage"> | undefined> {
  const user = await findUser(db, name);
  const role = user ? await findRole(db, user.role) : undefined;
  if (!user || !role) return undefined;
  return { limits: effectiveLimits(role, user.limits ?? {}), usage: await heldBy(db, user.id) };
}
