import type { RoleRow } from "@/db/queries/roles";
import type { LimitOverrides } from "@/db/schema";

export interface Limits {
  maxCpu: number;
  maxMemGb: number;
  maxServers: number;
  maxTotalCpu: number;
  maxTotalMemGb: number;
  /** Artifact storage a person may own, GiB (lib/quota/storage.ts). */
  maxStorageGb: number;
  /** The pids limit of each of a person's containers (lib/spawner/hardening.ts). */
  maxPids: number;
}

/** A person's limits: their role's, with any per-user override an admin set taking precedence. */
export function effectiveLimits(role: Pick<RoleRow, keyof Limits>, overrides: LimitOverrides): Limits {
  return {
    maxCpu: overrides.maxCpu ?? role.maxCpu,
    maxMemGb: overrides.maxMemGb ?? role.maxMemGb,
    maxServers: overrides.maxServers ?? role.maxServers,
    maxTotalCpu: overrides.maxTotalCpu ?? role.maxTotalCpu,
    maxTotalMemGb: overrides.maxTotalMemGb ?? role.maxTotalMemGb,
    maxStorageGb: overrides.maxStorageGb ?? role.maxStorageGb,
    maxPids: overrides.maxPids ?? role.maxPids,
  };
}
