import type { RoleRow } from "@/db/queries/roles";
import { ApiError } from "@/lib/http/api-error";
import type { Limits } from "@/lib/quota/limits";
import type { Usage } from "@/lib/quota/usage";

interface Ask {
  cpu: number;
  memGb: number;
}

const cores = (n: number) => `${n} CPU${n === 1 ? "" : "s"}`;
const gib = (n: number) => `${n} GiB`;

/** The smallest other role that would allow the ask, to tell people whom to ask for what. */
function betterRole(roles: RoleRow[], current: string, fits: (r: RoleRow) => boolean): string | undefined {
  return roles
    .filter((r) => r.name !== current && fits(r))
    .sort((a, b) => a.maxCpu - b.maxCpu || a.maxMemGb - b.maxMemGb)[0]?.name;
}

function refuse(code: "limit_exceeded" | "quota_exceeded", sentence: string, hint: string | undefined): never {
  const tail = hint ? `; an admin can give you the '${hint}' role` : "; an admin can raise your limits";
  throw new ApiError(403, code, `${sentence}${tail}.`);
}

/**
 * Checks one start against the person's limits and what they already hold. Throws a 403 whose
 * message has the numbers: per-server limits are `limit_exceeded`, totals and counts `quota_exceeded`.
 */
export function assertWithinQuota(ask: Ask, limits: Limits, usage: Usage, role: string, roles: RoleRow[]): void {
  if (ask.cpu > limits.maxCpu) {
    refuse("limit_exceeded", `You asked for ${cores(ask.cpu)}; role '${role}' allows ${limits.maxCpu} per server`, betterRole(roles, role, (r) => r.maxCpu >= ask.cpu));
  }
  if (ask.memGb > limits.maxMemGb) {
    refuse("limit_exceeded", `You asked for ${gib(ask.memGb)} of memory; role '${role}' allows ${gib(limits.maxMemGb)} per server`, betterRole(roles, role, (r) => r.maxMemGb >= ask.memGb));
  }
  if (usage.servers + 1 > limits.maxServers) {
    refuse(
      "quota_exceeded",
      `You already run ${usage.servers} of the ${limits.maxServers} server${limits.maxServers === 1 ? "" : "s"} role '${role}' allows; stop one first`,
      betterRole(roles, role, (r) => r.maxServers > usage.servers),
    );
  }
  if (usage.cpu + ask.cpu > limits.maxTotalCpu) {
    refuse("quota_exceeded", `Your servers already use ${cores(usage.cpu)} and you asked for ${ask.cpu} more; role '${role}' allows ${limits.maxTotalCpu} in all`, betterRole(roles, role, (r) => r.maxTotalCpu >= usage.cpu + ask.cpu));
  }
  if (usage.memGb + ask.memGb > limits.maxTotalMemGb) {
    refuse("quota_exceeded", `Your servers already use ${gib(usage.memGb)} and you asked for ${gib(ask.memGb)} more; role '${role}' allows ${gib(limits.maxTotalMemGb)} in all`, betterRole(roles, role, (r) => r.maxTotalMemGb >= usage.memGb + ask.memGb));
  }
}
