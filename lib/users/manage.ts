import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import { insertDeletedUser } from "@/db/queries/deleted-users";
import { allRows } from "@/db/queries/readable";
import { ACTIVE_STATES, listServersOf } from "@/db/queries/servers";
import { heldBy } from "@/lib/quota/holdings";
import { countLiveSessions, deleteSessionsOf } from "@/db/queries/sessions";
import { listJobs, listUnfinishedExecutions } from "@/db/queries/jobs";
import { listTokens } from "@/db/queries/tokens";
import { deleteUser, insertUser, lockUserById, searchUsers, updateUser, type UserRow } from "@/db/queries/users";
import type { LimitOverrides } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { revokeSessions } from "@/lib/auth/sessions";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, notFound } from "@/lib/http/api-error";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { getArtifactStore } from "@/lib/artifacts/runtime";
import { jobOutputSettings } from "@/lib/jobs/runtime";
import { stopExecutions } from "@/lib/jobs/stop-executions";
import type { Spawner } from "@/lib/spawner";
import { removeHomeVolume, stopAllServersOf } from "@/lib/workspaces/stop";
import { getUserOrThrow } from "./find";

export { getUserOrThrow };

async function assertRoleExists(db: Db, role: string): Promise<void> {
  if (!(await findRole(db, role))) throw badRequest("unknown_role", `There is no role named "${role}".`);
}

export async function createUser(
  db: Db,
  actor: Principal,
  input: { name: string; role: string; displayName?: string; email?: string },
): Promise<UserRow> {
  return db.transaction(async (tx) => {
    await assertRoleExists(tx, input.role);
    const user = await insertUser(tx, {
      name: input.name,
      role: input.role,
      roleSource: "admin",
      displayName: input.displayName ?? null,
      email: input.email ?? null,
    });
    if (!user) throw conflict("user_exists", `A user named "${input.name}" already exists.`);
    await recordAudit(tx, { actor: actor.name, action: "user.create", target: user.name, detail: { role: user.role } });
    return user;
  });
}

export async function changeUser(
  db: Db,
  actor: Principal,
  name: string,
  patch: { role?: string; limits?: Partial<Record<keyof LimitOverrides, number | null>> | null },
): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const user = await getUserOrThrow(tx, name);
    if (patch.role !== undefined) await assertRoleExists(tx, patch.role);
    let limits: LimitOverrides | undefined;
    if (patch.limits === null) limits = {};
    else if (patch.limits) {
      const next: Record<string, number | undefined> = { ...user.limits };
      for (const [key, value] of Object.entries(patch.limits)) next[key] = value ?? undefined;
      limits = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined));
    }
    const set = {
      ...(patch.role !== undefined ? { role: patch.role, roleSource: "admin" as const } : {}),
      ...(limits !== undefined ? { limits } : {}),
    };
    if (Object.keys(set).length === 0) return user;
    const updated = await updateUser(tx, name, set);
    if (!updated) throw notFound("user_not_found", `There is no user named "${name}".`);
    await recordAudit(tx, {
      actor: actor.name,
      action: "user.update",
      target: name,
      detail: { before: { role: user.role, limits: user.limits }, after: { role: updated.role, limits: updated.limits } },
    });
    return updated;
  });
}

export type VolumeChoice = "keep" | "remove";

/** What deleting a person takes with her; the admin's confirmation dialog names all of it. */
export interface DeletionSummary {
  name: string;
  /** Her servers that are pending, running or stopping: stopped and removed on the engine. */
  activeServers: string[];
  /** Personal API tokens, revoked (workspace tokens go with their servers). */
  tokens: number;
  /** Browser sessions, ended. */
  sessions: number;
  /** Her jobs, deleted with her: their schedules end. */
  jobs: string[];
  /** Her job executions that are queued or running: cancelled first. */
  unfinishedExecutions: number;
  /** Her home volume on the engine, kept or removed as the admin chooses. */
  homeVolume: string;
}

export async function deletionSummary(db: Db, name: string): Promise<DeletionSummary> {
  const user = await getUserOrThrow(db, name);
  const [servers, tokens, sessions, jobs, unfinished] = await Promise.all([
    listServersOf(db, user.id, allRows),
    listTokens(db, user.id),
    countLiveSessions(db, user.id),
    listJobs(db, allRows, user.id),
    listUnfinishedExecutions(db, user.id),
  ]);
  return {
    name,
    activeServers: servers.filter((r) => ACTIVE_STATES.includes(r.status)).map((r) => r.name),
    tokens: tokens.length,
    sessions,
    jobs: jobs.map((j) => j.name),
    unfinishedExecutions: unfinished.length,
    homeVolume: user.homeVolume,
  };
}

export interface RemovedUser {
  name: string;
  /** The servers that were stopped and removed on the engine. */
  servers: string[];
  /** The job executions that were queued or running and were cancelled (docs/jobs.md). */
  executions: string[];
  tokens: number;
  sessions: number;
  volume: { name: string; removed: boolean };
}

/**
 * Deletes a person: stops and removes her servers on the engine (the workspace stop logic), cancels
 * her queued and running job executions (lib/jobs/stop-executions.ts), removes her home volume when the
 * admin says so, then in one transaction revokes her tokens and sessions,
 * keeps a record of her id and volume (deleted_users: no one is given either again, and the reconcile
 * loop stops anything still labelled with the id) and deletes her row. A failure before the
 * transaction leaves her in place, so the admin can try again.
 */
export async function removeUser(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  name: string,
  opts: { volume: VolumeChoice; store?: ArtifactStore },
): Promise<RemovedUser> {
  if (actor.name === name) throw badRequest("cannot_delete_self", "You cannot delete your own account.");
  const user = await getUserOrThrow(db, name);
  const servers = await stopAllServersOf(db, spawner, actor, user, "the user was deleted");
  // The process's artifact store is asked for only when there is a run to close.
  const unfinished = (await listUnfinishedExecutions(db, user.id)).length > 0;
  const executions = unfinished
    ? await stopExecutions(
        { db, spawner, store: opts.store ?? getArtifactStore(), ...jobOutputSettings() },
        actor,
        { ownerId: user.id },
        `the owner was deleted by ${actor.name}`,
      )
    : [];
  if (opts.volume === "remove") await removeHomeVolume(spawner, user.homeVolume);
  const { tokens, sessions } = await db.transaction(async (tx) => {
    const locked = await lockUserById(tx, user.id);
    if (!locked || locked.name !== name) throw notFound("user_not_found", `There is no user named "${name}".`);
    // Starts lock the same row: one that got in after the servers were stopped is caught here.
    const held = await heldBy(tx, user.id);
    if (held.servers > 0) throw conflict("server_started", `${name} started a server while being deleted; try again.`);
    // The same for an execution the jobs loop launched meanwhile: its object would outlive her.
    if (held.jobs > 0) throw conflict("job_started", `A job of ${name} started while she was being deleted; try again.`);
    const tokens = (await listTokens(tx, user.id)).length;
    const sessions = await deleteSessionsOf(tx, user.id);
    await insertDeletedUser(tx, { id: user.id, name, homeVolume: user.homeVolume, volumeKept: opts.volume === "keep" });
    // Her tokens and server rows go with the row (foreign keys ON DELETE CASCADE).
    if (!(await deleteUser(tx, name))) throw notFound("user_not_found", `There is no user named "${name}".`);
    await recordAudit(tx, {
      actor: actor.name,
      action: "user.delete",
      target: name,
      detail: { volume: opts.volume, homeVolume: user.homeVolume, servers, tokens, sessions, ...(executions.length ? { executions } : {}) },
    });
    return { tokens, sessions };
  });
  return { name, servers, executions, tokens, sessions, volume: { name: user.homeVolume, removed: opts.volume === "remove" } };
}

export function listUsers(db: Db, opts: { q?: string; offset: number; limit: number }) {
  return searchUsers(db, opts);
}

export async function revokeUserSessions(db: Db, actor: Principal, name: string): Promise<number> {
  return revokeSessions(db, actor, await getUserOrThrow(db, name));
}

export async function countUserSessions(db: Db, name: string): Promise<number> {
  return countLiveSessions(db, (await getUserOrThrow(db, name)).id);
}
