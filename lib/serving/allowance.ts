/**
 * The per-role serving allowance (roles.max_endpoints, max_serving_cpu, max_serving_mem_gb): how many endpoints a
 * person owns, and the CPUs and GiB their configs hold in all, each served entity counting per replica × its
 * max replicas (a rollout or a scale-up must still fit). Refused in one sentence that names the limit.
 */
import type { Db } from "@/db/client";
import type { RoleRow } from "@/db/queries/roles";
import { heldConfigs } from "@/db/queries/serving";
import type { ServedEntityRecord } from "@/db/schema";
import { servingError } from "./errors";

export interface ServingHold {
  cpu: number;
  memGb: number;
}

/** What a config's entities hold at their most replicas. */
export function holdOf(entities: readonly ServedEntityRecord[]): ServingHold {
  let cpu = 0;
  let memGb = 0;
  for (const e of entities) {
    cpu += e.cpu * e.maxReplicas;
    memGb += e.memGb * e.maxReplicas;
  }
  // Rounded so 0.1 + 0.2 does not read as 0.30000000000000004 in a refusal.
  return { cpu: Math.round(cpu * 1000) / 1000, memGb: Math.round(memGb * 1000) / 1000 };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Null when the ask fits the role, else the sentence. `others`: the owner's other endpoints and what they hold. */
export function allowanceRefusal(
  role: RoleRow,
  others: { endpoints: number } & ServingHold,
  ask: { newEndpoint: boolean } & ServingHold,
): string | null {
  if (ask.newEndpoint && others.endpoints + 1 > role.maxEndpoints) {
    return `You already own ${others.endpoints} of the ${plural(role.maxEndpoints, "serving endpoint")} role '${role.name}' allows; delete one first or ask an admin for more.`;
  }
  const rule = "(CPUs per replica × max replicas, over all your endpoints)";
  if (others.cpu + ask.cpu > role.maxServingCpu) {
    return `This config holds ${ask.cpu} CPUs and your other endpoints ${others.cpu}; role '${role.name}' allows ${role.maxServingCpu} serving CPUs in all ${rule}.`;
  }
  if (others.memGb + ask.memGb > role.maxServingMemGb) {
    return `This config holds ${ask.memGb} GiB and your other endpoints ${others.memGb} GiB; role '${role.name}' allows ${role.maxServingMemGb} GiB of serving memory in all (GiB per replica × max replicas, over all your endpoints).`;
  }
  return null;
}

/** Throws RESOURCE_EXHAUSTED unless the config fits the owner's allowance; callers hold the owner's row lock. */
export async function assertWithinAllowance(
  db: Db,
  role: RoleRow,
  ownerId: string,
  entities: readonly ServedEntityRecord[],
  endpoint: { newEndpoint: true } | { newEndpoint: false; id: string },
): Promise<void> {
  const held = await heldConfigs(db, { ownerId }, endpoint.newEndpoint ? undefined : endpoint.id);
  const others = holdOf(held.configs.flatMap((c) => c.servedEntities));
  const refusal = allowanceRefusal(
    role,
    { endpoints: held.endpoints, ...others },
    { newEndpoint: endpoint.newEndpoint, ...holdOf(entities) },
  );
  if (refusal) throw servingError("RESOURCE_EXHAUSTED", refusal);
}
