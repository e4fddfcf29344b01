import { eq, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { deletedUsers } from "../schema";

export type DeletedUserRow = typeof deletedUsers.$inferSelect;

export async function insertDeletedUser(
  db: Db,
  values: { id: string; name: string; homeVolume: string; volumeKept: boolean },
): Promise<void> {
  await db.insert(deletedUsers).values(values).onConflictDoNothing();
}

/** Which of these ids belong to deleted people. */
export async function deletedUserIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: deletedUsers.id }).from(deletedUsers).where(inArray(deletedUsers.id, ids));
  return new Set(rows.map((r) => r.id));
}

/** The deleted people among these ids, by id. */
export async function deletedUsersById(db: Db, ids: string[]): Promise<Map<string, DeletedUserRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(deletedUsers).where(inArray(deletedUsers.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

export function deletedUsersNamed(db: Db, name: string): Promise<DeletedUserRow[]> {
  return db.select().from(deletedUsers).where(eq(deletedUsers.name, name));
}
