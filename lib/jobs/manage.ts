/**
 * Creating, reading, changing and deleting jobs: who may (the owner, or an admin), what a job may be
 * (a path inside the home, a cron that parses, an environment the owner may use, CPU and memory
 * within the role's per-server limits and totals) and the audit entries. Running them is execute.ts.
 */
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { deleteJob, findJob, findJobByName, insertJob, latestExecutions, listJobs, updateJob, type JobRow } from "@/db/queries/jobs";
import { findProjectById, type ProjectRow } from "@/db/queries/projects";
import { findRole } from "@/db/queries/roles";
import { findUser, type UserRow } from "@/db/queries/users";
import type { JobTrigger } from "@/db/schema";
import { assertCan, can, environmentRefusal, jobResource, readableBy, userResource, type Action } from "@/lib/auth/access";
import { ownerNamed } from "@/lib/auth/owner-named";
import type { Principal } from "@/lib/auth/principal";
import { generateId } from "@/lib/auth/tokens";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, forbidden, notFound, refused } from "@/lib/http/api-error";
import { allowanceOf, neverFitsProject } from "@/lib/projects/allowance";
import { projectToCreateIn } from "@/lib/projects/manage";
import { effectiveLimits } from "@/lib/quota/limits";
import type { Spawner } from "@/lib/spawner";
import { machineCapacity, machineRefusal, type Capacity } from "@/lib/usage/capacity";
import { assertCron } from "./cron";
import type { JobDeps } from "./execute";
import { assertJobPath } from "./paths";
import { assertHomeFile } from "./home-files";
import { aloneTooBig } from "./quota";
import type { CreateJobRequest, TriggerInput, UpdateJobRequest } from "./schemas";
import { stopExecutions } from "./stop-executions";
import { claimJobExperiment } from "./tracking-run";
import { jobView, type JobView } from "./view";

const jobNotFound = (id: string) => notFound("job_not_found", `There is no job "${id}".`);

/** The job, when the caller may do this to it (lib/auth/access.ts: another person's job is a 404 to her). */
export async function jobFor(db: Db, principal: Principal, id: string, action: Action = "read"): Promise<JobRow> {
  const job = await findJob(db, id);
  if (!job) throw jobNotFound(id);
  assertCan(principal, action, jobResource(job), refused);
  return job;
}

interface TriggerColumns {
  trigger: JobTrigger;
  cron: string | null;
  timeZone: string | null;
  afterJobId: string | null;
}

async function triggerColumns(db: Db, owner: string, self: string, t: TriggerInput): Promise<TriggerColumns> {
  if (t.kind === "cron") {
    assertCron(t.cron, t.timeZone);
    return { trigger: "cron", cron: t.cron.trim(), timeZone: t.timeZone, afterJobId: null };
  }
  if (t.kind === "after") {
    const upstream = await findJob(db, t.jobId);
    if (!upstream || upstream.ownerName !== owner) {
      throw badRequest("invalid_trigger", `A job can only follow another job of ${owner}; "${t.jobId}" is not one.`);
    }
    if (upstream.id === self) throw badRequest("invalid_trigger", "A job cannot follow itself.");
    return { trigger: "after", cron: null, timeZone: null, afterJobId: upstream.id };
  }
  return { trigger: "manual", cron: null, timeZone: null, afterJobId: null };
}

/**
 * The owner, when the job may run for her at all: the environment exists and she may use it, and the ask fits one
 * server's limits and the totals of her role, and the machine (`machine`, when the engine was asked).
 */
async function assertRunnable(
  db: Db,
  owner: string,
  ask: { environment: string; cpu: number; memGb: number },
  machine?: Capacity,
): Promise<UserRow> {
  const user = await findUser(db, owner);
  const role = user ? await findRole(db, user.role) : undefined;
  if (!user || !role) throw notFound("user_not_found", `There is no user named "${owner}".`);
  const env = await findEnvironment(db, ask.environment);
  if (!env) throw badRequest("unknown_environment", `There is no environment "${ask.environment}".`);
  const notAllowed = environmentRefusal(user.role, env);
  if (notAllowed) throw refused(notAllowed);
  const limits = effectiveLimits(role, user.limits);
  const tooBig = aloneTooBig(ask, limits, user.role, env);
  if (tooBig) throw forbidden("limit_exceeded", tooBig);
  const beyondMachine = machine && machineRefusal(ask, machine, user.role, limits);
  if (beyondMachine) throw forbidden("exceeds_machine", beyondMachine);
  return user;
}

/** A 403 when the job alone is more than its project's allowance, even with nothing else running there. */
function assertFitsProject(project: ProjectRow | null | undefined, ask: { cpu: number; memGb: number }): void {
  const never = project && neverFitsProject(project.name, allowanceOf(project), { what: "job", cpu: ask.cpu, memGb: ask.memGb });
  if (never) throw forbidden("project_allowance_exceeded", never);
}

async function assertNameFree(db: Db, owner: string, name: string, self?: string): Promise<void> {
  const other = await findJobByName(db, owner, name);
  if (other && other.id !== self) throw conflict("job_exists", `${owner} already has a job named "${name}".`);
}

/**
 * With `spawner` (the routes), the engine is asked, before anything is written, whether the path names a file in the
 * owner's home (lib/jobs/home-files.ts) and whether the machine has the CPUs and memory asked for.
 */
export async function createJob(
  db: Db,
  principal: Principal,
  ask: CreateJobRequest,
  owner = principal.name,
  spawner?: Spawner,
): Promise<JobView> {
  if (!can(principal, "write", userResource(await ownerNamed(db, owner))))
    throw forbidden("forbidden", "Only an admin can create another person's jobs.");
  assertJobPath(ask.path);
  const project = await projectToCreateIn(db, principal, ask.project, "write", "create a job");
  const machine = spawner && (await engineChecks(db, spawner, owner, ask.environment, ask.path));
  const id = generateId("job");
  return db.transaction(async (tx) => {
    const user = await assertRunnable(tx, owner, ask, machine);
    assertFitsProject(project, ask);
    await assertNameFree(tx, owner, ask.name);
    const row = await insertJob(tx, {
      id,
      ownerName: owner,
      ownerId: user.id,
      name: ask.name,
      path: ask.path,
      environmentId: ask.environment,
      cpu: ask.cpu,
      memGb: ask.memGb,
      parameters: ask.parameters,
      timeoutS: ask.timeoutS,
      retries: ask.retries,
      paused: ask.paused,
      // Schedules count from now: a new job does not run the times before it existed.
      scheduledThrough: new Date(),
      ...(await triggerColumns(tx, owner, id, ask.trigger)),
      projectId: project?.id ?? null,
    });
    await claimJobExperiment(tx, user, row);
    await recordAudit(tx, {
      actor: principal.name,
      action: "job.create",
      target: `${owner}/${ask.name}`,
      detail: { id, path: ask.path, ...(project ? { project: project.name } : {}) },
    });
    return jobView(row);
  });
}

/** The machine's capacity, once the path (when given) was found in the owner's home; before any transaction (the engine is slow). */
async function engineChecks(db: Db, spawner: Spawner, owner: string, environment: string, path: string | undefined): Promise<Capacity> {
  if (path !== undefined) await assertHomeFile(db, spawner, owner, environment, path);
  return machineCapacity(spawner);
}

/** `spawner` as in createJob: a changed path must name a file, and the size fit the machine. */
export async function updateJobOf(db: Db, principal: Principal, id: string, ask: UpdateJobRequest, spawner?: Spawner): Promise<JobView> {
  if (ask.path !== undefined) assertJobPath(ask.path);
  const before = spawner && (await jobFor(db, principal, id, "write"));
  const machine =
    before && spawner && (await engineChecks(db, spawner, before.ownerName, ask.environment ?? before.environmentId, ask.path));
  return db.transaction(async (tx) => {
    const job = await jobFor(tx, principal, id, "write");
    const environment = ask.environment ?? job.environmentId;
    const cpu = ask.cpu ?? job.cpu;
    const memGb = ask.memGb ?? job.memGb;
    const owner = await assertRunnable(tx, job.ownerName, { environment, cpu, memGb }, machine);
    assertFitsProject(job.projectId === null ? undefined : await findProjectById(tx, job.projectId), { cpu, memGb });
    if (ask.name !== undefined) await assertNameFree(tx, job.ownerName, ask.name, id);
    const trigger = ask.trigger ? await triggerColumns(tx, job.ownerName, id, ask.trigger) : {};
    // A changed schedule starts counting now, like a new one.
    const rescheduled = ask.trigger?.kind === "cron" || (ask.paused === false && job.paused) ? { scheduledThrough: new Date() } : {};
    const row = await updateJob(tx, id, {
      ...(ask.name !== undefined ? { name: ask.name } : {}),
      ...(ask.path !== undefined ? { path: ask.path } : {}),
      environmentId: environment,
      cpu,
      memGb,
      ...(ask.parameters !== undefined ? { parameters: ask.parameters } : {}),
      ...(ask.timeoutS !== undefined ? { timeoutS: ask.timeoutS } : {}),
      ...(ask.retries !== undefined ? { retries: ask.retries } : {}),
      ...(ask.paused !== undefined ? { paused: ask.paused } : {}),
      ...trigger,
      ...rescheduled,
    });
    if (!row) throw jobNotFound(id);
    if (ask.name !== undefined && ask.name !== job.name) await claimJobExperiment(tx, owner, row);
    const pausedOnly = Object.keys(ask).length === 1 && ask.paused !== undefined;
    const action = pausedOnly ? (ask.paused ? "job.pause" : "job.resume") : "job.update";
    await recordAudit(tx, {
      actor: principal.name,
      action,
      target: `${row.ownerName}/${row.name}`,
      detail: { id, changed: Object.keys(ask) },
    });
    return jobView(row);
  });
}

/** Deletes a job with its history, ending its queued and running executions first (stop-executions.ts). */
export async function deleteJobOf(deps: JobDeps, principal: Principal, id: string): Promise<void> {
  const { db } = deps;
  const found = await jobFor(db, principal, id, "write");
  await stopExecutions(deps, principal, { ownerId: found.ownerId, jobId: id }, `the job was deleted by ${principal.name}`);
  await db.transaction(async (tx) => {
    const job = await jobFor(tx, principal, id, "write");
    await deleteJob(tx, id);
    await recordAudit(tx, { actor: principal.name, action: "job.delete", target: `${job.ownerName}/${job.name}`, detail: { id } });
  });
}

export async function getJob(db: Db, principal: Principal, id: string): Promise<JobView> {
  const job = await jobFor(db, principal, id);
  return jobView(job, (await latestExecutions(db, [id])).get(id));
}

/** The caller's jobs; `all`: every job the caller may read (lib/auth/access.ts), which for an admin is everyone's. */
export async function listJobsFor(db: Db, principal: Principal, all = false): Promise<JobView[]> {
  // Nobody's jobs are the bootstrap token's own: it has no id.
  if (!all && principal.userId === undefined) return [];
  const rows = await listJobs(db, readableBy(principal, "job"), all ? undefined : principal.userId);
  const last = await latestExecutions(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => jobView(r, last.get(r.id)));
}
