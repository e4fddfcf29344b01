import { and, eq, lt } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../client";
import { users, workspaceCodes, workspaceSessions } from "../schema";

export type WorkspaceCodeRow = typeof workspaceCodes.$inferSelect;
export type WorkspaceSessionRow = typeof workspaceSessions.$inferSelect;

export async function insertWorkspaceCode(db: Db, row: WorkspaceCodeRow, now = new Date()): Promise<void> {
  // Codes live a minute; whatever was never used is swept here rather than by a loop of its own.
  await db.delete(workspaceCodes).where(lt(workspaceCodes.expiresAt, now));
  await db.insert(workspaceCodes).values(row);
}

/**
 * Deletes the code and returns what it was, with its server owner's name now: one statement, so two
 * callers racing with the same code cannot both get it. Expiry and binding are checked by the caller on
 * the row it got (a misused code is burnt all the same).
 */
export async function takeWorkspaceCode(db: Db, hash: string): Promise<(WorkspaceCodeRow & { ownerName: string }) | undefined> {
  const rows = await db.delete(workspaceCodes).where(eq(workspaceCodes.hash, hash)).returning();
  const row = rows[0];
  const owner = row && (await db.select({ name: users.name }).from(users).where(eq(users.id, row.ownerId)).limit(1))[0];
  return row && owner && { ...row, ownerName: owner.name };
}

export async function insertWorkspaceSession(db: Db, row: Omit<WorkspaceSessionRow, "createdAt">, now = new Date()): Promise<void> {
  await db.delete(workspaceSessions).where(lt(workspaceSessions.expiresAt, now));
  await db.insert(workspaceSessions).values({ ...row, createdAt: now });
}

const serverOwner = alias(users, "server_owner");

/** The cookie session with this hash, its server owner's name now, and the person it stands for (both by id). */
export async function findWorkspaceSession(
  db: Db,
  hash: string,
): Promise<{ session: WorkspaceSessionRow; ownerName: string; principal: typeof users.$inferSelect } | undefined> {
  const rows = await db
    .select({ session: workspaceSessions, ownerName: serverOwner.name, principal: users })
    .from(workspaceSessions)
    .innerJoin(serverOwner, eq(serverOwner.id, workspaceSessions.ownerId))
    .innerJoin(users, eq(users.id, workspaceSessions.principalId))
    .where(eq(workspaceSessions.hash, hash))
    .limit(1);
  return rows[0];
}

/** Ends every cookie session of one server (it stopped: whoever comes back goes through the portal again). */
export async function deleteWorkspaceSessions(db: Db, ownerId: string, serverName: string): Promise<void> {
  await db.delete(workspaceSessions).where(and(eq(workspaceSessions.ownerId, ownerId), eq(workspaceSessions.serverName, serverName)));
}

/** Ends one person's cookie sessions on one server (a share with her was revoked); all by id. */
export async function deleteWorkspaceSessionsOf(db: Db, ownerId: string, serverName: string, principalId: string): Promise<void> {
  await db
    .delete(workspaceSessions)
    .where(
      and(
        eq(workspaceSessions.ownerId, ownerId),
        eq(workspaceSessions.serverName, serverName),
        eq(workspaceSessions.principalId, principalId),
      ),
    );
}
