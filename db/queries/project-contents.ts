/**
 * What lives in projects, for the project pages (lib/projects/overview.ts): counts per project for the list, and
 * one project's experiments, registered models, jobs and endpoints. Who may see a project is lib/auth/access.ts;
 * whoever may read the project reads what lives in it, so these lists take the project's id and no read filter.
 */
import { and, asc, count, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { ACTIVE_STATES } from "./servers";
import { experiments, jobs, modelVersions, projectMembers, registeredModels, runs, servers, servingEndpoints, users } from "../schema";

export interface ProjectCounts {
  members: number;
  experiments: number;
  runs: number;
  registeredModels: number;
  modelVersions: number;
  jobs: number;
  endpoints: number;
}

export const NO_CONTENTS: ProjectCounts = {
  members: 0,
  experiments: 0,
  runs: 0,
  registeredModels: 0,
  modelVersions: 0,
  jobs: 0,
  endpoints: 0,
};

const activeExperiment = eq(experiments.lifecycleStage, "active");

/** For each of these projects: its members and how many of each kind of thing live in it. */
export async function projectCounts(db: Db, ids: readonly string[]): Promise<Map<string, ProjectCounts>> {
  const result = new Map<string, ProjectCounts>(ids.map((id) => [id, { ...NO_CONTENTS }]));
  if (ids.length === 0) return result;
  const list = [...ids];
  const grouped = (rows: { projectId: string | null; n: number | string }[], key: keyof ProjectCounts) => {
    for (const r of rows) {
      const counts = r.projectId === null ? undefined : result.get(r.projectId);
      if (counts) counts[key] = Number(r.n);
    }
  };
  const [members, exps, runRows, models, versions, jobRows, endpoints] = await Promise.all([
    db
      .select({ projectId: projectMembers.projectId, n: count() })
      .from(projectMembers)
      .where(inArray(projectMembers.projectId, list))
      .groupBy(projectMembers.projectId),
    db
      .select({ projectId: experiments.projectId, n: count() })
      .from(experiments)
      .where(and(inArray(experiments.projectId, list), activeExperiment))
      .groupBy(experiments.projectId),
    db
      .select({ projectId: experiments.projectId, n: count() })
      .from(runs)
      .innerJoin(experiments, eq(experiments.id, runs.experimentId))
      .where(and(inArray(experiments.projectId, list), activeExperiment, eq(runs.lifecycleStage, "active")))
      .groupBy(experiments.projectId),
    db
      .select({ projectId: registeredModels.projectId, n: count() })
      .from(registeredModels)
      .where(inArray(registeredModels.projectId, list))
      .groupBy(registeredModels.projectId),
    db
      .select({ projectId: registeredModels.projectId, n: count() })
      .from(modelVersions)
      .innerJoin(registeredModels, eq(registeredModels.name, modelVersions.name))
      .where(inArray(registeredModels.projectId, list))
      .groupBy(registeredModels.projectId),
    db.select({ projectId: jobs.projectId, n: count() }).from(jobs).where(inArray(jobs.projectId, list)).groupBy(jobs.projectId),
    db
      .select({ projectId: servingEndpoints.projectId, n: count() })
      .from(servingEndpoints)
      .where(inArray(servingEndpoints.projectId, list))
      .groupBy(servingEndpoints.projectId),
  ]);
  grouped(members, "members");
  grouped(exps, "experiments");
  grouped(runRows, "runs");
  grouped(models, "registeredModels");
  grouped(versions, "modelVersions");
  grouped(jobRows, "jobs");
  grouped(endpoints, "endpoints");
  return result;
}

interface ProjectExperimentRow {
  id: number;
  name: string;
  owner: string | null;
  lastUpdateTime: number;
}
interface ProjectModelRow {
  name: string;
  owner: string;
  lastUpdatedTime: number;
}
interface ProjectJobRow {
  id: string;
  name: string;
  owner: string;
  paused: boolean;
}
interface ProjectEndpointRow {
  name: string;
  owner: string | null;
  ready: string;
}
interface ProjectServerRow {
  owner: string;
  name: string;
  status: string;
}
export interface ProjectContents {
  servers: ProjectServerRow[];
  experiments: ProjectExperimentRow[];
  registeredModels: ProjectModelRow[];
  jobs: ProjectJobRow[];
  endpoints: ProjectEndpointRow[];
}

/** The project's things, newest first, at most `limit` of each kind (the counts say how many there are). */
export async function projectContents(db: Db, projectId: string, limit: number): Promise<ProjectContents> {
  const [serverRows, exps, models, jobRows, endpoints] = await Promise.all([
    // Started in the project and not ended: what counts against its allowance.
    db
      .select({ owner: servers.userName, name: servers.name, status: servers.status })
      .from(servers)
      .where(and(eq(servers.projectId, projectId), inArray(servers.status, ACTIVE_STATES)))
      .orderBy(asc(servers.userName), asc(servers.name))
      .limit(limit),
    db
      .select({ id: experiments.id, name: experiments.name, owner: experiments.owner, lastUpdateTime: experiments.lastUpdateTime })
      .from(experiments)
      .where(and(eq(experiments.projectId, projectId), activeExperiment))
      .orderBy(desc(experiments.lastUpdateTime), asc(experiments.id))
      .limit(limit),
    db
      .select({ name: registeredModels.name, owner: registeredModels.userId, lastUpdatedTime: registeredModels.lastUpdatedTime })
      .from(registeredModels)
      .where(eq(registeredModels.projectId, projectId))
      .orderBy(desc(registeredModels.lastUpdatedTime), asc(registeredModels.name))
      .limit(limit),
    db
      .select({ id: jobs.id, name: jobs.name, owner: jobs.ownerName, paused: jobs.paused })
      .from(jobs)
      .where(eq(jobs.projectId, projectId))
      .orderBy(asc(jobs.name), asc(jobs.id))
      .limit(limit),
    db
      .select({ name: servingEndpoints.name, owner: users.name, ready: servingEndpoints.ready })
      .from(servingEndpoints)
      .leftJoin(users, eq(users.id, servingEndpoints.ownerId))
      .where(eq(servingEndpoints.projectId, projectId))
      .orderBy(asc(servingEndpoints.name))
      .limit(limit),
  ]);
  return {
    servers: serverRows,
    experiments: exps,
    registeredModels: models,
    jobs: jobRows,
    endpoints: endpoints.map((e) => ({ ...e, ready: String(e.ready) })),
  };
}
