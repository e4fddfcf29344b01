import { asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { roles } from "../schema";

export type RoleRow = typeof roles.$inferSelect;
export type RoleLimits = Omit<RoleRow, "name" | "updatedAt">;

export function listRoles(db: Db): Promise<RoleRow[]> {
  return db.select().from(roles).orderBy(asc(roles.maxCpu), asc(roles.name));
}

export async function findRole(db: Db, name: string): Promise<RoleRow | undefined> {
  const rows = await db.select().from(roles).where(eq(roles.name, name)).limit(1);
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
