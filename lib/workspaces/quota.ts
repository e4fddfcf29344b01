import type { RoleRow } from "@/db/queries/roles";
import { ApiError } from "@/lib/http/api-error";
import type { Limits } from "@/lib/quota/limits";
import type { Usage } from "@/lib/quota/holdings";

interface Ask {
  cpu: number;
  memGb: number;
}

const cores = (n: number) => `${n} CPU${n === 1 ? "" : "s"}`;
const gib = (n: number) => `${n} GiB`;

/** The smallest other role that would allow the ask, to tell people whom to ask for what. */
function betterRole(roles: RoleRow[], current: string, fits: (r: RoleRow) => boolean): string | undefined {
  return roles.filter((r) => r.name !== current && fits(r)).sort((a, b) => a.maxCpu - b.maxCpu || a.maxMemGb - b.maxMemGb)[0]?.name;
}

/** The smallest workspace the start form offers (its sliders' step): whether even this fits says whether any start can. */
export const SMALLEST_START: Ask = { cpu: 0.25, memGb: 0.25 };

export interface QuotaRefusal {
  code: "limit_exceeded" | "quota_exceeded";
  /** The numbers, without the hint. */
  sentence: string;
  /** Whether a role's limits would allow the ask. */
  fits: (r: RoleRow) => boolean;
}

/**
 * Why one start does not fit the person's limits and what they already hold, or null when it does:
 * per-server limits are `limit_exceeded`, totals and counts `quota_exceeded`.
 */
export function quotaRefusal(ask: Ask, limits: Limits, usage: Usage, role: string): QuotaRefusal | null {
  if (ask.cpu > limits.maxCpu) {
    return {
      code: "limit_exceeded",
      sentence: `You asked for ${cores(ask.cpu)}; role '${role}' allows ${limits.maxCpu} per server`,
      fits: (r) => r.maxCpu >= ask.cpu,
    };
  }
  if (ask.memGb > limits.maxMemGb) {
    return {
      code: "limit_exceeded",
      sentence: `You asked for ${gib(ask.memGb)} of memory; role '${role}' allows ${gib(limits.maxMemGb)} per server`,
      fits: (r) => r.maxMemGb >= ask.memGb,
    };
  }
  if (usage.servers + 1 > limits.maxServers) {
    return {
      code: "quota_exceeded",
      sentence: `You already run ${usage.servers} of the ${limits.maxServers} server${limits.maxServers === 1 ? "" : "s"} role '${role}' allows; stop one first`,
      fits: (r) => r.maxServers > usage.servers,
    };
  }
  if (usage.cpu + ask.cpu > limits.maxTotalCpu) {
    return {
      code: "quota_exceeded",
      sentence: `Your servers already use ${cores(usage.cpu)} and you asked for ${ask.cpu} more; role '${role}' allows ${limits.maxTotalCpu} in all`,
      fits: (r) => r.maxTotalCpu >= usage.cpu + ask.cpu,
    };
  }
  if (usage.memGb + ask.memGb > limits.maxTotalMemGb) {
    return {
      code: "quota_exceeded",
      sentence: `Your servers already use ${gib(usage.memGb)} and you asked for ${gib(ask.memGb)} more; role '${role}' allows ${gib(limits.maxTotalMemGb)} in all`,
      fits: (r) => r.maxTotalMemGb >= usage.memGb + ask.memGb,
    };
  }
  return null;
}

/** The 403 for a refusal, naming the smallest other role that would allow the ask. */
export function quotaError(refusal: QuotaRefusal, role: string, roles: RoleRow[]): ApiError {
  const hint = betterRole(roles, role, refusal.fits);
  const tail = hint ? `; an admin can give you the '${hint}' role` : "; an admin can raise your limits";
  return new ApiError(403, refusal.code, `${refusal.sentence}${tail}.`);
}
