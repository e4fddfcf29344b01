/**
 * Whether an execution fits its owner's quota (docs/jobs.md, "Quota"): a running execution holds
 * its CPU and memory against the same totals as her workspaces and takes no server slot. A job
 * that could never fit (more than one server's limit, or more than her totals with nothing else
 * running) is refused when it is created, changed or run now; one that does not fit beside what
 * runs at the moment waits queued, with the sentence below as its reason, until the room is there.
 */
import type { Db } from "@/db/client";
import type { UserRow } from "@/db/queries/users";
import { findRole } from "@/db/queries/roles";
import { forbidden, notFound } from "@/lib/http/api-error";
import type { ProjectRow } from "@/db/queries/projects";
import { judgeInProject } from "@/lib/projects/allowance";
import { heldBy } from "@/lib/quota/holdings";
import { effectiveLimits, type Limits } from "@/lib/quota/limits";

interface Ask {
  cpu: number;
  memGb: number;
}

const cores = (n: number) => `${n} CPU${n === 1 ? "" : "s"}`;

/** Why the job alone is more than the role allows, or undefined; `ceiling` adds the environment's own limits. */
export function aloneTooBig(ask: Ask, limits: Limits, role: string, ceiling: { maxCpu?: number | null; maxMemGb?: number | null } = {}) {
  const maxCpu = Math.min(limits.maxCpu, limits.maxTotalCpu, ceiling.maxCpu ?? Infinity);
  const maxMem = Math.min(limits.maxMemGb, limits.maxTotalMemGb, ceiling.maxMemGb ?? Infinity);
  if (ask.cpu > maxCpu) return `A job may ask for at most ${cores(maxCpu)} (role '${role}'); this one asks for ${ask.cpu}.`;
  if (ask.memGb > maxMem) return `A job may ask for at most ${maxMem} GiB (role '${role}'); this one asks for ${ask.memGb} GiB.`;
  return undefined;
}

/** Why it has to wait beside what the owner runs now (workspaces and executions), or undefined when it fits. */
export function waitingReason(ask: Ask, limits: Limits, usage: Ask, role: string): string | undefined {
  if (usage.cpu + ask.cpu > limits.maxTotalCpu) {
    return `waiting for quota: ${cores(usage.cpu)} of the ${limits.maxTotalCpu} role '${role}' allows are in use, this job needs ${ask.cpu}`;
  }
  if (usage.memGb + ask.memGb > limits.maxTotalMemGb) {
    return `waiting for quota: ${usage.memGb} GiB of the ${limits.maxTotalMemGb} GiB role '${role}' allows are in use, this job needs ${ask.memGb} GiB`;
  }
  return undefined;
}

/** When it fits, the owner's limits it was judged by (the container's pids limit comes from them) and its project. */
export type QuotaVerdict =
  | { fits: true; limits: Limits; project?: ProjectRow }
  | { fits: false; never: boolean; reason: string; code?: "project_allowance_exceeded" };

/**
 * The verdict for one execution of `owner` now, against her limits and, for a job in a project, the project's
 * allowance (lib/projects/allowance.ts, which locks the project's row); call it with her row locked when the
 * answer starts something.
 */
export async function quotaVerdict(db: Db, owner: UserRow, ask: Ask & { projectId?: string | null }): Promise<QuotaVerdict> {
  const role = await findRole(db, owner.role);
  if (!role) return { fits: false, never: true, reason: `the role '${owner.role}' no longer exists` };
  const limits = effectiveLimits(role, owner.limits);
  const alone = aloneTooBig(ask, limits, owner.role);
  if (alone) return { fits: false, never: true, reason: alone };
  const waiting = waitingReason(ask, limits, await heldBy(db, owner.id), owner.role);
  if (waiting) return { fits: false, never: false, reason: waiting };
  if (!ask.projectId) return { fits: true, limits };
  const inProject = await judgeInProject(db, ask.projectId, { what: "job", cpu: ask.cpu, memGb: ask.memGb });
  if (inProject.fits) return { fits: true, limits, project: inProject.project };
  return inProject.never
    ? { ...inProject, code: "project_allowance_exceeded" }
    : { ...inProject, reason: `waiting for its project's allowance: ${inProject.reason.replace(/\.$/, "")}` };
}

/** A 403 when the job alone can never run for its owner or in its project (run now after limits were lowered). */
export async function assertCanEverRun(
  db: Db,
  owner: UserRow | undefined,
  ask: Ask & { projectId?: string | null },
): Promise<QuotaVerdict> {
  if (!owner) throw notFound("user_not_found", "The job's owner no longer exists.");
  const verdict = await quotaVerdict(db, owner, ask);
  if (!verdict.fits && verdict.never) {
    throw forbidden(verdict.code ?? "limit_exceeded", verdict.reason);
  }
  return verdict;
}
