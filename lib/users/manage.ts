import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import { deleteUser, findUser, insertUser, searchUsers, updateUser, type UserRow } from "@/db/queries/users";
import type { LimitOverrides } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, notFound } from "@/lib/http/api-error";

async function assertRoleExists(db: Db, role: string): Promise<void> {
  if (!(await findRole(db, role))) throw badRequest("unknown_role", `There is no role named "${role}".`);
}

export async function getUserOrThrow(db: Db, name: string): Promise<UserRow> {
  const user = await findUser(db, name);
  if (!user) throw notFound("user_not_found", `There is no user named "${name}".`);
  return user;
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
      limits = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) as LimitOverrides;
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

export async function removeUser(db: Db, actor: Principal, name: string): Promise<void> {
  if (actor.name === name) throw badRequest("cannot_delete_self", "You cannot delete your own account.");
  await db.transaction(async (tx) => {
    if (!(await deleteUser(tx, name))) throw notFound("user_not_found", `There is no user named "${name}".`);
    await recordAudit(tx, { actor: actor.name, action: "user.delete", target: name });
  });
}

export function listUsers(db: Db, opts: { q?: string; offset: number; limit: number }) {
  return searchUsers(db, opts);
}
