import { randomBytes } from "node:crypto";
import { and, asc, count, eq, ilike, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { users, type LimitOverrides, type RoleSource } from "../schema";
import { escapeLike } from "./like";

export type UserRow = typeof users.$inferSelect;

/** 128 random bits as 32 hex digits: never given twice, so a name created again is a new person. */
export function newUserId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The home volume of a person created today: named from her id, so a person later created under the
 * same name never mounts it. People older than ids keep atrium-home-<name> (migration 0010).
 */
function homeVolumeOf(id: string): string {
  return `atrium-home-${id}`;
}

export async function findUser(db: Db, name: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.name, name)).limit(1);
  return rows[0];
}

/** An SSO identity: the ID token's issuer and subject. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
}

export async function insertUser(
  db: Db,
  values: {
    name: string;
    role: string;
    roleSource: RoleSource;
    displayName?: string | null;
    email?: string | null;
    oidcIssuer?: string;
    oidcSubject?: string;
    ssoGroups?: string[];
  },
): Promise<UserRow | undefined> {
  const rows = await db.insert(users).values(withNewIdentity(values)).onConflictDoNothing().returning();
  return rows[0];
}

/** A user row to insert, given a fresh id and the home volume named from it (for bulk inserts too). */
export function withNewIdentity(values: Omit<typeof users.$inferInsert, "id" | "homeVolume">): typeof users.$inferInsert {
  const id = newUserId();
  return { ...values, id, homeVolume: homeVolumeOf(id) };
}

export async function findUserByIdentity(db: Db, identity: OidcIdentity): Promise<UserRow | undefined> {
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.oidcIssuer, identity.issuer), eq(users.oidcSubject, identity.subject)))
    .limit(1);
  return rows[0];
}

/** Binds a person nobody has signed in to by SSO yet; undefined when she is bound already (or gone). */
export async function bindIdentity(db: Db, name: string, identity: OidcIdentity): Promise<UserRow | undefined> {
  const rows = await db
    .update(users)
    .set({ oidcIssuer: identity.issuer, oidcSubject: identity.subject })
    .where(and(eq(users.name, name), isNull(users.oidcSubject)))
    .returning();
  return rows[0];
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0];
}

/**
 * The person's row by id, locked until the transaction ends, so what she starts is counted against her
 * one at a time (lib/quota/holdings.ts); undefined: no such person (deleted, or another one now bears her name).
 */
export async function lockUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const rows = await db.select().from(users).where(eq(users.id, id)).for("update");
  return rows[0];
}

export async function updateUser(
  db: Db,
  name: string,
  set: Partial<{
    role: string;
    roleSource: RoleSource;
    limits: LimitOverrides;
    displayName: string | null;
    email: string | null;
    lastSeenAt: Date;
    ssoGroups: string[];
  }>,
): Promise<UserRow | undefined> {
  const rows = await db.update(users).set(set).where(eq(users.name, name)).returning();
  return rows[0];
}

export async function deleteUser(db: Db, name: string): Promise<boolean> {
  const rows = await db.delete(users).where(eq(users.name, name)).returning({ name: users.name });
  return rows.length > 0;
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
