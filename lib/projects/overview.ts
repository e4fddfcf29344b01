/**
 * What the project pages show (app/projects/**): the caller's projects with their counts, and one project with its
 * members and what lives in it.
 * Read-only; who may see and change a project is lib/auth/access.ts, asked through lib/projects/manage.ts.
 */
import type { Db } from "@/db/client";
import { NO_CONTENTS, projectContents, projectCounts, type ProjectContents, type ProjectCounts } from "@/db/queries/project-contents";
import { can, projectResource, type Caller } from "@/lib/auth/access";
import { getProject, projectFor, projectRowsFor, projectView, type ProjectDetail, type ProjectView } from "./manage";

export type { ProjectContents, ProjectCounts };

/** The most of each kind of thing the project page lists; its counts say how many there are in all. */
export const PROJECT_PAGE_LIST_LIMIT = 50;

export interface ProjectSummary extends ProjectView {
  counts: ProjectCounts;
}

/** The caller's projects (an admin's: all), each with its members and things counted. */
export async function listProjectSummaries(db: Db, caller: Caller): Promise<ProjectSummary[]> {
  const rows = await projectRowsFor(db, caller);
  const counts = await projectCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...projectView(caller, r), counts: counts.get(r.id) ?? NO_CONTENTS }));
}

export interface ProjectPage extends ProjectSummary, ProjectDetail {
  contents: ProjectContents;
  /** Whether the caller may change its members and settings and delete it (owners and admins). */
  canManage: boolean;
  /** Whether she may create experiments, models, jobs and endpoints in it (editors, owners and admins). */
  canCreate: boolean;
  /** Whether she may start servers in it (users and up). */
  canStart: boolean;
}

/** One project as its page shows it; a project the caller may not read is `project_not_found` (a 404). */
export async function projectPage(db: Db, caller: Caller, name: string): Promise<ProjectPage> {
  const project = await projectFor(db, caller, name);
  const [detail, counts, contents] = await Promise.all([
    getProject(db, caller, name),
    projectCounts(db, [project.id]),
    projectContents(db, project.id, PROJECT_PAGE_LIST_LIMIT),
  ]);
  return {
    ...detail,
    counts: counts.get(project.id) ?? NO_CONTENTS,
    contents,
    canManage: can(caller, "manage", projectResource(project)),
    canCreate: can(caller, "write", projectResource(project)),
    canStart: can(caller, "use", projectResource(project)),
  };
}
