import { asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { roles, users } from "../schema";
import type { UserRow } from "./users";

export type RoleRow = typeof roles.$inferSelect;
export type RoleLimits = Omit<RoleRow, "name" | "updatedAt">;

export function listRoles(db: Db): Promise<RoleRow[]> {
  return db.select().from(roles).orderBy(asc(roles.maxCpu), asc(roles.name));
}

export async function findRole(db: Db, name: string): Promise<RoleRow | undefined> {
  const rows = await db.select().from(roles).where(eq(roles.name, name)).limit(1);
  return rows[0];
}

/** A person (by id) and their role's row in one round trip; undefined when either is missing. */
export async function findUserRole(db: Db, userId: string): Promise<{ user: UserRow; role: RoleRow } | undefined> {
  const rows = await db
    .select({ user: users, role: roles })
    .from(users)
    .innerJoin(roles, eq(roles.name, users.role))
    .where(eq(users.id, userId))
    .limit(1);
  return rows[0];
}

export async function upsertRole(db: Db, name: string, limits: RoleLimits): Promise<RoleRow> {
  const rows = await db
    .insert(roles)
    .values({ name, ...limits })
    .onConflictDoUpdate({ target: roles.name, set: { ...limits, updatedAt: new Date() } })
    .returning();
  const row = rows[0];
  if (!row) throw new Error("upsert returned no row");
  return row;
}
