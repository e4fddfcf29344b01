import type { Db } from "@/db/client";
import { findRole, listRoles, upsertRole, type RoleRow } from "@/db/queries/roles";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { DEFAULT_PIDS_LIMIT } from "@/lib/spawner/hardening";

function roleView(r: RoleRow) {
  return {
    name: r.name,
    maxCpu: r.maxCpu,
    maxMemGb: r.maxMemGb,
    maxServers: r.maxServers,
    maxTotalCpu: r.maxTotalCpu,
    maxTotalMemGb: r.maxTotalMemGb,
    maxStorageGb: r.maxStorageGb,
    maxPids: r.maxPids,
    maxEndpoints: r.maxEndpoints,
    maxServingCpu: r.maxServingCpu,
    maxServingMemGb: r.maxServingMemGb,
  };
}

export async function getRoles(db: Db) {
  return (await listRoles(db)).map(roleView);
}

/** Storage for a role created without one: the seeded `user` role's. */
const DEFAULT_STORAGE_GB = 10;

/** A role created without a serving allowance gets the seeded `user` role's (db/seed.ts). */
const DEFAULT_SERVING = { maxEndpoints: 2, maxServingCpu: 2, maxServingMemGb: 4 };

/** Creates or changes a role. Totals default to per-server × servers when not given; storage, pids and serving keep their values. */
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
    maxEndpoints?: number;
    maxServingCpu?: number;
    maxServingMemGb?: number;
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
      maxEndpoints: input.maxEndpoints ?? before?.maxEndpoints ?? DEFAULT_SERVING.maxEndpoints,
      maxServingCpu: input.maxServingCpu ?? before?.maxServingCpu ?? DEFAULT_SERVING.maxServingCpu,
      maxServingMemGb: input.maxServingMemGb ?? before?.maxServingMemGb ?? DEFAULT_SERVING.maxServingMemGb,
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
