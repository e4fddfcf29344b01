import { and, asc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client";
import { servers, users, type ServerState } from "../schema";
import type { ReadFilter } from "./readable";

export type ServerRow = typeof servers.$inferSelect;
export type ServerPatch = Partial<Omit<ServerRow, "userName" | "name" | "createdAt">>;

/** States that hold resources against a person's quota. */
export const ACTIVE_STATES: ServerState[] = ["pending", "running", "stopping"];

export async function findServer(db: Db, userName: string, name: string): Promise<ServerRow | undefined> {
  const rows = await db
    .select()
    .from(servers)
    .where(and(eq(servers.userName, userName), eq(servers.name, name)))
    .limit(1);
  return rows[0];
}

/** A person's servers (by her id), as far as `readable` lets the caller see them (lib/auth/access.ts). */
export function listServersOf(db: Db, ownerId: string, readable: ReadFilter): Promise<ServerRow[]> {
  return db
    .select()
    .from(servers)
    .where(and(eq(servers.ownerId, ownerId), readable({ id: servers.ownerId })))
    .orderBy(asc(servers.name));
}

/**
 * The server at `/user/<userName>/<name>` and whom it belongs to, in one query: the row's owner, or for a
 * server not made yet the person the name stands for. Undefined when there is no such person.
 */
export async function findServerAndOwner(
  db: Db,
  userName: string,
  name: string,
): Promise<{ ownerId: string; server: ServerRow | undefined } | undefined> {
  const rows = await db
    .select({ ownerId: users.id, server: servers })
    .from(users)
    .leftJoin(servers, and(eq(servers.ownerId, users.id), eq(servers.name, name)))
    .where(eq(users.name, userName))
    .limit(1);
  const row = rows[0];
  return row && { ownerId: row.ownerId, server: row.server ?? undefined };
}

export function listServersIn(db: Db, states: ServerState[]): Promise<ServerRow[]> {
  return db.select().from(servers).where(inArray(servers.status, states)).orderBy(asc(servers.userName), asc(servers.name));
}

export async function upsertServer(db: Db, row: Omit<ServerRow, "createdAt">): Promise<ServerRow> {
  const { userName: _u, name: _n, ...rest } = row;
  const rows = await db
    .insert(servers)
    .values(row)
    .onConflictDoUpdate({ target: [servers.userName, servers.name], set: rest })
    .returning();
  const out = rows[0];
  if (!out) throw new Error("upsert returned no row");
  return out;
}

/** Updates a server; with `onlyIf`, only while it is still in one of those states (a stale writer changes nothing). */
export async function updateServer(
  db: Db,
  userName: string,
  name: string,
  patch: ServerPatch,
  onlyIf?: ServerState[],
): Promise<ServerRow | undefined> {
  const conds = [eq(servers.userName, userName), eq(servers.name, name)];
  if (onlyIf) conds.push(inArray(servers.status, onlyIf));
  const rows = await db
    .update(servers)
    .set(patch)
    .where(and(...conds))
    .returning();
  return rows[0];
}

/** Deletes a server's row; with `onlyIf`, only while it is in one of those states (a start that won keeps it). */
export async function deleteServer(db: Db, userName: string, name: string, onlyIf?: ServerState[]): Promise<boolean> {
  const conds = [eq(servers.userName, userName), eq(servers.name, name)];
  if (onlyIf) conds.push(inArray(servers.status, onlyIf));
  const rows = await db
    .delete(servers)
    .where(and(...conds))
    .returning({ name: servers.name });
  return rows.length > 0;
}

/** At most one write a minute per server: activity is for culling and for people, not for accounting. */
export async function touchServerActivity(db: Db, userName: string, name: string, at = new Date()): Promise<void> {
  await db
    .update(servers)
    .set({ lastActivity: at })
    .where(
      and(
        eq(servers.userName, userName),
        eq(servers.name, name),
        or(isNull(servers.lastActivity), lt(servers.lastActivity, new Date(at.getTime() - 60_000))),
      ),
    );
}

/** The server whose MLflow token has this api_tokens id (runs created with it are tagged with the server). */
export async function findServerByTrackingToken(db: Db, tokenId: string): Promise<ServerRow | undefined> {
  const rows = await db.select().from(servers).where(eq(servers.trackingTokenId, tokenId)).limit(1);
  return rows[0];
}
