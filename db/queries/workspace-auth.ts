import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../client";
import { workspaceCodes, workspaceSessions } from "../schema";

export type WorkspaceCodeRow = typeof workspaceCodes.$inferSelect;
export type WorkspaceSessionRow = typeof workspaceSessions.$inferSelect;

export async function insertWorkspaceCode(db: Db, row: WorkspaceCodeRow, now = new Date()): Promise<void> {
  // Codes live a minute; whatever was never used is swept here rather than by a loop of its own.
  await db.delete(workspaceCodes).where(lt(workspaceCodes.expiresAt, now));
  await db.insert(workspaceCodes).values(row);
}

/**
 * Deletes the code and returns what it was: one statement, so two callers racing with the same code
 * cannot both get it. Expiry and binding are checked by the caller on the row it got (a misused code
 * is burnt all the same).
 */
export async function takeWorkspaceCode(db: Db, hash: string): Promise<WorkspaceCodeRow | undefined> {
  const rows = await db.delete(workspaceCodes).where(eq(workspaceCodes.hash, hash)).returning();
  return rows[0];
}

export async function insertWorkspaceSession(db: Db, row: Omit<WorkspaceSessionRow, "createdAt">, now = new Date()): Promise<void> {
  await db.delete(workspaceSessions).where(lt(workspaceSessions.expiresAt, now));
  await db.insert(workspaceSessions).values({ ...row, createdAt: now });
}

export async function findWorkspaceSession(db: Db, hash: string): Promise<WorkspaceSessionRow | undefined> {
  const rows = await db.select().from(workspaceSessions).where(eq(workspaceSessions.hash, hash)).limit(1);
  return rows[0];
}

/** Ends every cookie session of one server (it stopped: whoever comes back goes through the portal again). */
export async function deleteWorkspaceSessions(db: Db, userName: string, serverName: string): Promise<void> {
  await db.delete(workspaceSessions).where(and(eq(workspaceSessions.userName, userName), eq(workspaceSessions.serverName, serverName)));
}

/** Ends one person's cookie sessions on one server (a share with her was revoked). */
export async function deleteWorkspaceSessionsOf(db: Db, userName: string, serverName: string, principalName: string): Promise<void> {
  await db
    .delete(workspaceSessions)
    .where(
      and(
        eq(workspaceSessions.userName, userName),
        eq(workspaceSessions.serverName, serverName),
        eq(workspaceSessions.principalName, principalName),
      ),
    );
}
