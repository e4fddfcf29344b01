import type { Db } from "@/db/client";
import { findRole, listRoles, upsertRole, type RoleRow } from "@/db/queries/roles";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { DEFAULT_PIDS_LIMIT } from "@/lib/spawner/hardening";

export function roleView(r: RoleRow) {
  return {
    name: r.name,
    maxCpu: r.maxCpu,
    maxMemGb: r.maxMemGb,
    maxServers: r.maxServers,
    maxTotalCpu: r.maxTotalCpu,
    maxTotalMemGb: r.maxTotalMemGb,
    maxStorageGb: r.maxStorageGb,
    maxPids: r.maxPids,
  };
}

export async function getRoles(db: Db) {
  return (await listRoles(db)).map(roleView);
}

/** Storage for a role created without one: the seeded `user` role's. */
const DEFAULT_STORAGE_GB = 10;

/** Creates or changes a role. Totals default to per-server × servers when not given; storage and pids keep their values. */
export async function putRole(
  db: Db,
  actor: Principal,
  name: string,
  input: {
    maxCpu: number;
    maxMemGb: number;
    maxServers: number;
    maxTotalCpu?: number;
    maxTotalMemGb?: number;
    maxStorageGb?: number;
    maxPids?: number;
  },
) {
  return db.transaction(async (tx) => {
    const before = await findRole(tx, name);
    const servers = Math.max(1, input.maxServers);
    const row = await upsertRole(tx, name, {
      maxCpu: input.maxCpu,
      maxMemGb: input.maxMemGb,
      maxServers: input.maxServers,
      maxTotalCpu: input.maxTotalCpu ?? input.maxCpu * servers,
      maxTotalMemGb: input.maxTotalMemGb ?? input.maxMemGb * servers,
      maxStorageGb: input.maxStorageGb ?? before?.maxStorageGb ?? DEFAULT_STORAGE_GB,
      maxPids: input.maxPids ?? before?.maxPids ?? DEFAULT_PIDS_LIMIT,
    });
    await recordAudit(tx, {
      actor: actor.name,
      action: "role.update",
      target: name,
      detail: { before: before ? roleView(before) : null, after: roleView(row) },
    });
    return { role: roleView(row), created: !before };
  });
}
