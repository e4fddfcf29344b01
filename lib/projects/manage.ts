/**
 * Projects and their members (docs/projects.md): who may (lib/auth/access.ts, "manage" on the project for
 * settings and members, "read" to see it), what a project may be (a unique URL-safe name, at most
 * MAX_MEMBERS members), an owner always left, and the audit entries. Routes: app/api/projects/**.
 */
import type { Db } from "@/db/client";
import {
  countMembers,
  countProjects,
  deleteMember,
  deleteProject,
  findMemberRole,
  findProject,
  insertMember,
  insertProject,
  listMembers,
  listProjects,
  lockOwners,
  updateMemberRole,
  updateAllowance,
  updateProject,
  type MemberKey,
  type MemberRow,
  type ProjectRow,
} from "@/db/queries/projects";
import { serversSharedWithProject } from "@/db/queries/shares";
import { findUser } from "@/db/queries/users";
import type { ProjectRole } from "@/db/schema";
import { assertCan, projectIdsOf, projectResource, roleIn, type Action, type Caller } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, notFound, refused } from "@/lib/http/api-error";
import { closeFormerMembersConnections } from "@/lib/workspaces/connections";
import { allowanceOf, projectInUse, type ProjectAllowance, type ProjectInUse } from "./allowance";
import {
  PERSONAL_WORKSPACE,
  type AddMemberRequest,
  type AllowanceRequest,
  type CreateProjectRequest,
  type UpdateProjectRequest,
} from "./schemas";

/** The most projects one portal holds: each is a row every member's principal may name (lib/auth/principal.ts). */
export const MAX_PROJECTS = 1000;
/** The most members (people and groups) of one project; a group stands for any number of people. */
export const MAX_MEMBERS = 500;

export interface MemberView {
  /** The person's name, or `group:<name>` for a group: how `/api/projects/<p>/members/<member>` addresses it. */
  member: string;
  kind: "user" | "group";
  name: string;
  role: ProjectRole;
}
export interface ProjectView {
  name: string;
  description: string;
  /** The caller's role in it; absent for an admin who is not a member. */
  role?: ProjectRole;
  createdAt: string;
}

const projectNotFound = (name: string) => notFound("project_not_found", `There is no project "${name}".`);

const memberView = (m: MemberRow): MemberView =>
  m.groupName !== null
    ? { member: `group:${m.groupName}`, kind: "group", name: m.groupName, role: m.role }
    : { member: m.userName ?? "", kind: "user", name: m.userName ?? "", role: m.role };

export function projectView(caller: Caller, p: ProjectRow): ProjectView {
  const role = roleIn(caller, { projectId: p.id, ownerId: null });
  return { name: p.name, description: p.description, ...(role ? { role } : {}), createdAt: p.createdAt.toISOString() };
}

/** The project named, when the caller may do this to it; one she may not even read does not exist for her. */
export async function projectFor(db: Db, caller: Caller, name: string, action: Action = "read", deed?: string): Promise<ProjectRow> {
  const project = await findProject(db, name);
  if (!project) throw projectNotFound(name);
  assertCan(
    caller,
    action,
    projectResource(project),
    (r) => (r.status === 404 ? projectNotFound(name) : refused(r)),
    deed ?? projectDeed(action, name),
  );
  return project;
}

/**
 * The project something new is started or created in, by the name a request gave (absent or "default": the
 * caller's personal space, null), when the caller's role there allows `action`: "use" to start servers and run
 * jobs (users and up), "write" to create jobs and endpoints (editors and up). `what` names the deed in refusals.
 */
export async function projectToCreateIn(
  db: Db,
  caller: Caller,
  name: string | undefined,
  action: "use" | "write",
  what: string,
): Promise<ProjectRow | null> {
  if (name === undefined || name === PERSONAL_WORKSPACE) return null;
  return projectFor(db, caller, name, action, `${what} in project "${name}"`);
}

const projectDeed = (action: Action, name: string) =>
  action === "manage"
    ? `change project "${name}" or its members`
    : action === "read"
      ? `see project "${name}"`
      : `do this in project "${name}"`;

/** Creates the project with its creator as its first owner. */
export async function createProject(db: Db, principal: Principal, ask: CreateProjectRequest): Promise<ProjectView> {
  if (principal.userId === undefined) throw badRequest("no_person", "Only a person can create a project: it needs an owner.");
  const ownerId = principal.userId;
  return db.transaction(async (tx) => {
    if ((await countProjects(tx)) >= MAX_PROJECTS) {
      throw conflict("too_many_projects", `This portal holds ${MAX_PROJECTS} projects, its most; an admin can delete unused ones.`);
    }
    const project = await insertProject(tx, { name: ask.name, description: ask.description, createdBy: ownerId });
    if (!project) throw conflict("project_exists", `A project named "${ask.name}" exists already.`);
    await insertMember(tx, project.id, { userId: ownerId }, "owner");
    await recordAudit(tx, {
      actor: principal.name,
      action: "project.create",
      target: project.name,
      detail: { description: ask.description },
    });
    return projectView({ ...principal, projectRoles: { ...principal.projectRoles, [project.id]: "owner" } }, project);
  });
}

/** The rows of the projects the caller is in (directly or through a group); an admin's: every project. */
export const projectRowsFor = (db: Db, caller: Caller): Promise<ProjectRow[]> =>
  listProjects(db, caller.admin === true ? undefined : projectIdsOf(caller), MAX_PROJECTS);

/** The projects the caller is in (directly or through a group); an admin sees every project. */
export async function listProjectsFor(db: Db, caller: Caller): Promise<ProjectView[]> {
  return (await projectRowsFor(db, caller)).map((p) => projectView(caller, p));
}

export interface ProjectDetail extends ProjectView {
  members: MemberView[];
  /** What an admin allows the project (null: no limit of that kind) and what its servers, jobs and endpoints hold now. */
  allowance: ProjectAllowance;
  inUse: ProjectInUse;
}

export async function getProject(db: Db, caller: Caller, name: string): Promise<ProjectDetail> {
  const project = await projectFor(db, caller, name);
  return {
    ...projectView(caller, project),
    members: (await listMembers(db, project.id)).map(memberView),
    allowance: allowanceOf(project),
    inUse: await projectInUse(db, project.id),
  };
}

/** Sets the project's allowance (admins only: it spends the company's machines); what runs already keeps running. */
export async function setProjectAllowance(db: Db, admin: Principal, name: string, ask: AllowanceRequest): Promise<ProjectDetail> {
  await db.transaction(async (tx) => {
    const project = await findProject(tx, name);
    if (!project) throw projectNotFound(name);
    await updateAllowance(tx, project.id, {
      maxCpu: ask.cpu,
      maxMemGb: ask.memGb,
      maxEndpoints: ask.endpoints,
      ...(ask.storageGb !== undefined ? { maxStorageGb: ask.storageGb } : {}),
    });
    await recordAudit(tx, { actor: admin.name, action: "project.allowance", target: name, detail: { ...ask } });
  });
  return getProject(db, admin, name);
}

export async function changeProject(db: Db, principal: Principal, name: string, ask: UpdateProjectRequest): Promise<ProjectView> {
  return db.transaction(async (tx) => {
    const project = await projectFor(tx, principal, name, "manage");
    const updated = await updateProject(tx, project.id, ask);
    if (!updated) throw conflict("project_exists", `A project named "${ask.name ?? name}" exists already.`);
    await recordAudit(tx, { actor: principal.name, action: "project.update", target: name, detail: { ...ask } });
    return projectView(principal, updated);
  });
}

/** Deletes the project; its experiments, models, jobs and endpoints go back to their creators' personal spaces. */
export async function removeProject(db: Db, principal: Principal, name: string): Promise<void> {
  const { projectId, shared } = await db.transaction(async (tx) => {
    const project = await projectFor(tx, principal, name, "manage");
    // Read before the deletion takes the project's shares with it.
    const servers = await serversSharedWithProject(tx, project.id);
    await deleteProject(tx, project.id);
    await recordAudit(tx, { actor: principal.name, action: "project.delete", target: name });
    return { projectId: project.id, shared: servers };
  });
  await closeFormerMembersConnections(db, projectId, shared);
}

/** A member as the URL names it: `group:<g>` for a group, else a person's name (who must exist). */
async function memberKeyAt(db: Db, member: string): Promise<{ key: MemberKey; label: string }> {
  if (member.startsWith("group:")) {
    const group = member.slice("group:".length);
    if (!group) throw badRequest("invalid_member", 'A group member is addressed as "group:<name>"; the name is missing.');
    return { key: { groupName: group }, label: member };
  }
  const user = await findUser(db, member);
  if (!user) throw notFound("user_not_found", `There is no person named "${member}".`);
  return { key: { userId: user.id }, label: member };
}

const memberNotFound = (project: string, member: string) =>
  notFound("member_not_found", `${member} is not a member of project "${project}".`);

export async function addMember(db: Db, principal: Principal, name: string, ask: AddMemberRequest): Promise<MemberView> {
  return db.transaction(async (tx) => {
    const project = await projectFor(tx, principal, name, "manage");
    const { key, label } = await memberKeyAt(tx, "group" in ask ? `group:${ask.group}` : ask.name);
    if ((await countMembers(tx, project.id)) >= MAX_MEMBERS) {
      throw conflict("too_many_members", `Project "${name}" has ${MAX_MEMBERS} members, its most; add a group instead of more people.`);
    }
    if (!(await insertMember(tx, project.id, key, ask.role))) {
      throw conflict("member_exists", `${label} is a member of project "${name}" already; change the role instead.`);
    }
    await recordAudit(tx, { actor: principal.name, action: "project.member_add", target: name, detail: { member: label, role: ask.role } });
    return memberView({
      userId: "userId" in key ? key.userId : null,
      userName: "userId" in key ? label : null,
      groupName: "groupName" in key ? key.groupName : null,
      role: ask.role,
    });
  });
}

/** Refuses a change that would leave the project without an owner (its owner rows are locked meanwhile). */
async function assertOwnerLeft(tx: Db, project: ProjectRow, was: ProjectRole, becomes: ProjectRole | null): Promise<void> {
  if (was !== "owner" || becomes === "owner") return;
  if ((await lockOwners(tx, project.id)) <= 1) {
    throw conflict("last_owner", `Project "${project.name}" needs an owner: make someone else an owner first.`);
  }
}

export async function changeMember(db: Db, principal: Principal, name: string, member: string, role: ProjectRole): Promise<MemberView> {
  return db.transaction(async (tx) => {
    const project = await projectFor(tx, principal, name, "manage");
    const { key, label } = await memberKeyAt(tx, member);
    const was = await findMemberRole(tx, project.id, key);
    if (!was) throw memberNotFound(name, label);
    await assertOwnerLeft(tx, project, was, role);
    await updateMemberRole(tx, project.id, key, role);
    await recordAudit(tx, {
      actor: principal.name,
      action: "project.member_update",
      target: name,
      detail: { member: label, from: was, role },
    });
    const isGroup = "groupName" in key;
    return { member: label, kind: isGroup ? "group" : "user", name: isGroup ? key.groupName : label, role };
  });
}

export async function removeMember(db: Db, principal: Principal, name: string, member: string): Promise<void> {
  const projectId = await db.transaction(async (tx) => {
    const project = await projectFor(tx, principal, name, "manage");
    const { key, label } = await memberKeyAt(tx, member);
    const was = await findMemberRole(tx, project.id, key);
    if (!was) throw memberNotFound(name, label);
    await assertOwnerLeft(tx, project, was, null);
    await deleteMember(tx, project.id, key);
    await recordAudit(tx, { actor: principal.name, action: "project.member_remove", target: name, detail: { member: label, role: was } });
    return project.id;
  });
  // A share to the project let her open its servers: what she opened through one closes now (any role keeps a share's "use").
  await closeFormerMembersConnections(db, projectId, await serversSharedWithProject(db, projectId));
}
