import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client";
import { apiTokens, users, type TokenKind } from "../schema";
import { membershipsOfUserRow, type MembershipRow } from "./resource-permissions";

export type TokenRow = typeof apiTokens.$inferSelect;

export async function insertToken(
  db: Db,
  values: {
    id: string;
    userName: string;
    ownerId: string;
    hash: string;
    kind: TokenKind;
    note: string | null;
    scopes?: string[];
    expiresAt: Date | null;
  },
): Promise<TokenRow> {
  const rows = await db.insert(apiTokens).values(values).returning();
  const row = rows[0];
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function findTokenByHash(db: Db, hash: string): Promise<TokenRow | undefined> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.hash, hash)).limit(1);
  return rows[0];
}

/** A token with its owner and her project memberships, in one query: what authenticating a request reads. */
export async function findTokenWithOwner(
  db: Db,
  hash: string,
): Promise<{ token: TokenRow; user: typeof users.$inferSelect; memberships: MembershipRow[] } | undefined> {
  const rows = await db
    .select({ token: apiTokens, user: users, memberships: membershipsOfUserRow() })
    .from(apiTokens)
    .innerJoin(users, eq(users.name, apiTokens.userName))
    .where(eq(apiTokens.hash, hash))
    .limit(1);
  return rows[0];
}

/** A person's tokens of one kind, by her id. */
export function listTokens(db: Db, ownerId: string, kind: TokenKind = "personal"): Promise<TokenRow[]> {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.ownerId, ownerId), eq(apiTokens.kind, kind)))
    .orderBy(desc(apiTokens.createdAt));
}

export async function deleteToken(db: Db, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(apiTokens)
    .where(and(eq(apiTokens.ownerId, ownerId), eq(apiTokens.id, id)))
    .returning({ id: apiTokens.id });
  return rows.length > 0;
}

/** At most one write a minute per token: last use is for people, not for accounting. */
export async function touchTokenLastUsed(db: Db, id: string, now = new Date()): Promise<void> {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - 60_000)))));
}

export async function deleteTokenById(db: Db, id: string): Promise<void> {
  await db.delete(apiTokens).where(eq(apiTokens.id, id));
}
