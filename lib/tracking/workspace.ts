/**
 * A project is an MLflow workspace (docs/projects.md, "MLflow clients"): `X-MLFLOW-WORKSPACE` picks the project
 * an experiment or registered model is created in, and MLflow's workspace endpoints list the caller's projects.
 * No header, or MLflow's "default", is the caller's personal space.
 */
import { findProject } from "@/db/queries/projects";
import { can, projectResource } from "@/lib/auth/access";
import { listProjectsFor } from "@/lib/projects/manage";
import { PERSONAL_WORKSPACE } from "@/lib/projects/schemas";
import type { Body, TrackingContext } from "./context";
import { doesNotExist, permissionDenied } from "./errors";

/** The header MLflow's client sends (`mlflow.set_workspace`, `MLFLOW_WORKSPACE`). */
export const WORKSPACE_HEADER = "x-mlflow-workspace";

const noSuchWorkspace = (name: string) => doesNotExist(`Workspace '${name}' not found.`);

/**
 * The project something new goes into (null: the caller's personal space). Creating in a project needs EDIT
 * there (its editors and owners); a project the caller may not see does not exist for her.
 */
export async function creationProject(ctx: TrackingContext, what: string): Promise<string | null> {
  const name = ctx.workspace;
  if (name === undefined || name === PERSONAL_WORKSPACE) return null;
  const project = await findProject(ctx.db, name);
  if (!project) throw noSuchWorkspace(name);
  const resource = projectResource(project);
  if (!can(ctx.principal, "read", resource)) throw noSuchWorkspace(name);
  if (!can(ctx.principal, "write", resource)) {
    throw permissionDenied(`Only editors and owners of project '${name}' or an admin may create ${what} in it.`);
  }
  return project.id;
}

const personalWorkspace = { name: PERSONAL_WORKSPACE, description: "Your personal space" };

/** GET workspaces: the caller's personal space, then her projects (an admin's: all). */
export async function listWorkspaces(ctx: TrackingContext): Promise<Body> {
  const projects = await listProjectsFor(ctx.db, ctx.principal);
  return { workspaces: [personalWorkspace, ...projects.map((p) => ({ name: p.name, description: p.description }))] };
}

/**
 * GET workspaces/<name>: one the caller may see, else MLflow's not-found. MLflow's GetWorkspace.Response nests it
 * under `workspace` (the client's RestWorkspaceStore refuses an answer without that field).
 */
export async function getWorkspace(ctx: TrackingContext, { workspace_name: name }: { workspace_name: string }): Promise<Body> {
  if (name === PERSONAL_WORKSPACE) return { workspace: personalWorkspace };
  const project = await findProject(ctx.db, name);
  if (!project || !can(ctx.principal, "read", projectResource(project))) throw noSuchWorkspace(name);
  return { workspace: { name: project.name, description: project.description } };
}

/**
 * GET server-info (MLflow 3.10, /api/3.0/mlflow/server-info): what the client probes before it sends
 * `X-MLFLOW-WORKSPACE`; without `workspaces_enabled: true` an MLflow client with a workspace set refuses to talk
 * to the portal. The store is SQL; traces are never archived elsewhere.
 */
export async function serverInfo(): Promise<Body> {
  return { store_type: "SqlStore", workspaces_enabled: true, trace_archival_enabled: false };
}
