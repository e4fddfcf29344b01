import { and, asc, count, eq, ilike, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { users, type LimitOverrides, type RoleSource } from "../schema";

export type UserRow = typeof users.$inferSelect;

export async function findUser(db: Db, name: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.name, name)).limit(1);
  return rows[0];
}

export async function insertUser(
  db: Db,
  values: { name: string; role: string; roleSource: RoleSource; displayName?: string | null; email?: string | null },
): Promise<UserRow | undefined> {
  const rows = await db.insert(users).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function updateUser(
  db: Db,
  name: string,
  set: Partial<{ role: string; roleSource: RoleSource; limits: LimitOverrides; displayName: string | null; email: string | null; lastSeenAt: Date }>,
): Promise<UserRow | undefined> {
  const rows = await db.update(users).set(set).where(eq(users.name, name)).returning();
  return rows[0];
}

export async function deleteUser(db: Db, name: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.name, name)).returning({ name: users.name });
  return rows.length > 0;
}

function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function searchUsers(
  db: Db,
  opts: { q?: string; offset: number; limit: number },
): Promise<{ total: number; items: UserRow[] }> {
  let where: SQL | undefined;
  if (opts.q) {
    const pattern = `%${escapeLike(opts.q)}%`;
    where = or(ilike(users.name, pattern), ilike(users.displayName, pattern), ilike(users.email, pattern));
  }
  const [items, totals] = await Promise.all([
    db.select().from(users).where(where).orderBy(asc(users.name)).offset(opts.offset).limit(opts.limit),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { total: totals[0]?.n ?? 0, items };
}

/** Records activity at most once a minute per user, so busy API clients don't write on every call. */
export async function touchUserLastSeen(db: Db, name: string, now = new Date()): Promise<void> {
  await db
    .update(users)
    .set({ lastSeenAt: now })
    .where(and(eq(users.name, name), or(isNull(users.lastSeenAt), lt(users.lastSeenAt, new Date(now.getTime() - 60_000)))));
}
