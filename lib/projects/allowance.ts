/**
 * A project's allowance (docs/projects.md, "Allowances"; Kubeflow's profile quotas): at most so many CPUs and GiB
 * held in all by the servers, running job executions and serving endpoints started in the project, whoever
 * started them, and at most so many endpoints. It is a second input to the start checks beside each person's own
 * limits (lib/quota/holdings.ts is the one ledger for both), judged with the project's row locked, so two members
 * starting at once are counted one at a time. Admins set it; every member sees it with what is in use.
 */
import type { Db } from "@/db/client";
import { lockProject, type ProjectRow } from "@/db/queries/projects";
import { projectStoredBytes } from "@/db/queries/project-storage";
import { heldConfigs } from "@/db/queries/serving";
import { heldIn } from "@/lib/quota/holdings";
import { holdOf } from "@/lib/serving/allowance";

/** Null: no project limit of that kind. */
export interface ProjectAllowance {
  cpu: number | null;
  memGb: number | null;
  endpoints: number | null;
  /** GiB of artifacts its experiments may store (lib/projects/allowance-storage.ts judges uploads against it). */
  storageGb: number | null;
}

export interface ProjectInUse {
  /** CPUs held: active servers, running executions, and each endpoint's CPUs per replica × max replicas. */
  cpu: number;
  memGb: number;
  servers: number;
  jobs: number;
  endpoints: number;
  /** Artifact bytes of its experiments' runs and logged models. */
  storageBytes: number;
}

export type AllowanceAsk = { cpu: number; memGb: number } & (
  { what: "server" | "job" } | { what: "endpoint"; newEndpoint: boolean; exceptEndpointId?: string }
);

export const allowanceOf = (p: Pick<ProjectRow, "maxCpu" | "maxMemGb" | "maxEndpoints" | "maxStorageGb">): ProjectAllowance => ({
  cpu: p.maxCpu,
  memGb: p.maxMemGb,
  endpoints: p.maxEndpoints,
  storageGb: p.maxStorageGb,
});

const round = (n: number) => Math.round(n * 1000) / 1000;

/** What the project's servers, executions and endpoints hold now (an endpoint being changed left out). */
export async function projectInUse(db: Db, projectId: string, exceptEndpointId?: string): Promise<ProjectInUse> {
  const held = await heldIn(db, projectId);
  const serving = await heldConfigs(db, { projectId }, exceptEndpointId);
  const endpoints = holdOf(serving.configs.flatMap((c) => c.servedEntities));
  const storageBytes = await projectStoredBytes(db, projectId);
  return {
    cpu: round(held.cpu + endpoints.cpu),
    memGb: round(held.memGb + endpoints.memGb),
    servers: held.servers,
    jobs: held.jobs,
    endpoints: serving.endpoints,
    storageBytes,
  };
}

const cpus = (n: number) => `${n} CPU${n === 1 ? "" : "s"}`;
const ASKER = { server: "this server", job: "this job", endpoint: "this endpoint's config" } as const;

/** Why the ask does not fit beside what the project holds, in one sentence naming the project and the limit; null when it fits. */
export function projectAllowanceRefusal(
  project: string,
  allowance: ProjectAllowance,
  inUse: ProjectInUse,
  ask: AllowanceAsk,
): string | null {
  const asker = ASKER[ask.what];
  if (ask.what === "endpoint" && ask.newEndpoint && allowance.endpoints !== null && inUse.endpoints + 1 > allowance.endpoints) {
    return `Project "${project}" allows ${allowance.endpoints} serving endpoint${allowance.endpoints === 1 ? "" : "s"} and has ${inUse.endpoints}; delete one first or ask an admin to raise its allowance.`;
  }
  if (allowance.cpu !== null && round(inUse.cpu + ask.cpu) > allowance.cpu) {
    return `Project "${project}" allows ${cpus(allowance.cpu)} in all; its servers, jobs and endpoints hold ${inUse.cpu} and ${asker} asks for ${ask.cpu} more.`;
  }
  if (allowance.memGb !== null && round(inUse.memGb + ask.memGb) > allowance.memGb) {
    return `Project "${project}" allows ${allowance.memGb} GiB of memory in all; its servers, jobs and endpoints hold ${inUse.memGb} GiB and ${asker} asks for ${ask.memGb} GiB more.`;
  }
  return null;
}

/** Why the ask could never fit the project, even with nothing else running in it; null when it could. */
export function neverFitsProject(project: string, allowance: ProjectAllowance, ask: AllowanceAsk): string | null {
  const nothing: ProjectInUse = { cpu: 0, memGb: 0, servers: 0, jobs: 0, endpoints: 0, storageBytes: 0 };
  return projectAllowanceRefusal(project, allowance, nothing, ask);
}

export type AllowanceVerdict = { fits: true; project: ProjectRow } | { fits: false; never: boolean; reason: string };

/**
 * Locks the project's row and judges the ask against its allowance and what it holds now. Call it inside the
 * transaction that records the start, after locking the owner's users row (always in that order).
 */
export async function judgeInProject(tx: Db, projectId: string, ask: AllowanceAsk): Promise<AllowanceVerdict> {
  const project = await lockProject(tx, projectId);
  if (!project) return { fits: false, never: true, reason: "its project no longer exists" };
  const allowance = allowanceOf(project);
  const never = neverFitsProject(project.name, allowance, ask);
  if (never) return { fits: false, never: true, reason: never };
  const exceptEndpointId = ask.what === "endpoint" ? ask.exceptEndpointId : undefined;
  const reason = projectAllowanceRefusal(project.name, allowance, await projectInUse(tx, projectId, exceptEndpointId), ask);
  return reason ? { fits: false, never: false, reason } : { fits: true, project };
}
