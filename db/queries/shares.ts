import { and, asc, count, eq, gt, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { projects, serverShareCodes, serverShares, servers, users } from "../schema";

export type ShareRow = typeof serverShares.$inferSelect;
export type ShareCodeRow = typeof serverShareCodes.$inferSelect;
/** A share with its grantee's current name: a person's or a project's (null for a group share). */
export type ShareWithName = ShareRow & { granteeName: string | null };

export interface ServerKey {
  user: string;
  server: string;
}
export type Grantee = { userId: string } | { group: string } | { projectId: string };

const onServer = (t: typeof serverShares | typeof serverShareCodes, ref: ServerKey) =>
  and(eq(t.userName, ref.user), eq(t.serverName, ref.server));
const isGrantee = (g: Grantee) =>
  "userId" in g
    ? eq(serverShares.granteeUserId, g.userId)
    : "group" in g
      ? eq(serverShares.granteeGroup, g.group)
      : eq(serverShares.granteeProjectId, g.projectId);

export function listShares(db: Db, ref: ServerKey): Promise<ShareWithName[]> {
  return db
    .select({ share: serverShares, person: users.name, project: projects.name })
    .from(serverShares)
    .leftJoin(users, eq(users.id, serverShares.granteeUserId))
    .leftJoin(projects, eq(projects.id, serverShares.granteeProjectId))
    .where(onServer(serverShares, ref))
    .orderBy(asc(serverShares.createdAt), asc(serverShares.id))
    .then((rows) => rows.map((r) => ({ ...r.share, granteeName: r.person ?? r.project })));
}

/** Who a server is shared with, as the access rule needs it (lib/auth/access.ts). */
export async function granteesOf(db: Db, ref: ServerKey): Promise<{ userIds: string[]; groups: string[]; projectIds: string[] }> {
  const rows = await db
    .select({ userId: serverShares.granteeUserId, group: serverShares.granteeGroup, projectId: serverShares.granteeProjectId })
    .from(serverShares)
    .where(onServer(serverShares, ref));
  return {
    userIds: rows.flatMap((r) => (r.userId ? [r.userId] : [])),
    groups: rows.flatMap((r) => (r.group ? [r.group] : [])),
    projectIds: rows.flatMap((r) => (r.projectId ? [r.projectId] : [])),
  };
}

/** The servers shared with a project (at most `limit`), so a change to its members reaches their open WebSockets. */
export function serversSharedWithProject(db: Db, projectId: string, limit = 10_000): Promise<ServerKey[]> {
  return db
    .selectDistinct({ user: serverShares.userName, server: serverShares.serverName })
    .from(serverShares)
    .where(eq(serverShares.granteeProjectId, projectId))
    .limit(limit);
}

export async function countShares(db: Db, ref: ServerKey): Promise<number> {
  const [row] = await db.select({ n: count() }).from(serverShares).where(onServer(serverShares, ref));
  return row?.n ?? 0;
}

/** Inserts the share unless this grantee has one already; returns the share either way. */
export async function upsertShare(
  db: Db,
  row: Omit<ShareRow, "createdAt" | "granteeUserId" | "granteeGroup" | "granteeProjectId">,
  grantee: Grantee,
): Promise<{ share: ShareRow; created: boolean }> {
  const values = {
    ...row,
    granteeUserId: "userId" in grantee ? grantee.userId : null,
    granteeGroup: "group" in grantee ? grantee.group : null,
    granteeProjectId: "projectId" in grantee ? grantee.projectId : null,
  };
  const inserted = await db.insert(serverShares).values(values).onConflictDoNothing().returning();
  if (inserted[0]) return { share: inserted[0], created: true };
  const [existing] = await db
    .select()
    .from(serverShares)
    .where(and(onServer(serverShares, { user: row.userName, server: row.serverName }), isGrantee(grantee)))
    .limit(1);
  if (!existing) throw new Error("a share vanished while it was being made");
  return { share: existing, created: false };
}

export async function deleteShare(db: Db, ref: ServerKey, grantee: Grantee): Promise<ShareRow | undefined> {
  const rows = await db
    .delete(serverShares)
    .where(and(onServer(serverShares, ref), isGrantee(grantee)))
    .returning();
  return rows[0];
}

export function deleteAllShares(db: Db, ref: ServerKey): Promise<ShareRow[]> {
  return db.delete(serverShares).where(onServer(serverShares, ref)).returning();
}

/** Servers shared with this person, directly or through one of her groups or projects, with their rows (status, owner). */
export async function listSharedWith(
  db: Db,
  person: { userId: string; groups: readonly string[]; projectIds: readonly string[] },
  limit: number,
): Promise<{ share: ShareRow; server: typeof servers.$inferSelect }[]> {
  const byGroup = person.groups.length > 0 ? inArray(serverShares.granteeGroup, [...person.groups]) : sql`false`;
  const byProject = person.projectIds.length > 0 ? inArray(serverShares.granteeProjectId, [...person.projectIds]) : sql`false`;
  return db
    .select({ share: serverShares, server: servers })
    .from(serverShares)
    .innerJoin(servers, and(eq(servers.userName, serverShares.userName), eq(servers.name, serverShares.serverName)))
    .where(
      and(
        or(eq(serverShares.granteeUserId, person.userId), and(isNotNull(serverShares.granteeGroup), byGroup), byProject),
        sql`${servers.ownerId} <> ${person.userId}`,
      ),
    )
    .orderBy(asc(serverShares.userName), asc(serverShares.serverName))
    .limit(limit);
}

export async function insertShareCode(db: Db, row: Omit<ShareCodeRow, "createdAt">, now = new Date()): Promise<ShareCodeRow> {
  // Expired codes are swept here rather than by a loop of their own (as workspace codes are).
  await db.delete(serverShareCodes).where(lt(serverShareCodes.expiresAt, now));
  const [inserted] = await db.insert(serverShareCodes).values(row).returning();
  if (!inserted) throw new Error("the share code was not stored");
  return inserted;
}

/** Live codes of one server (never the codes themselves: only their hashes are stored). */
export function listShareCodes(db: Db, ref: ServerKey, now = new Date()): Promise<ShareCodeRow[]> {
  return db
    .select()
    .from(serverShareCodes)
    .where(and(onServer(serverShareCodes, ref), gt(serverShareCodes.expiresAt, now)))
    .orderBy(asc(serverShareCodes.createdAt), asc(serverShareCodes.id));
}

export async function countShareCodes(db: Db, ref: ServerKey, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(serverShareCodes)
    .where(and(onServer(serverShareCodes, ref), gt(serverShareCodes.expiresAt, now)));
  return row?.n ?? 0;
}

/** The code's row without using it up (the accept page shows whose server it opens). */
export async function findShareCode(db: Db, hash: string): Promise<ShareCodeRow | undefined> {
  const rows = await db.select().from(serverShareCodes).where(eq(serverShareCodes.hash, hash)).limit(1);
  return rows[0];
}

/** Deletes the code and returns it: one statement, so two people racing with one link cannot both have it. */
export async function takeShareCode(db: Db, hash: string): Promise<ShareCodeRow | undefined> {
  const rows = await db.delete(serverShareCodes).where(eq(serverShareCodes.hash, hash)).returning();
  return rows[0];
}

/** Deletes the server's codes, or only the one whose id or hash is given; returns how many went. */
export async function deleteShareCodes(db: Db, ref: ServerKey, which: { id?: string; hash?: string } = {}): Promise<number> {
  const rows = await db
    .delete(serverShareCodes)
    .where(
      and(
        onServer(serverShareCodes, ref),
        which.id !== undefined ? eq(serverShareCodes.id, which.id) : undefined,
        which.hash !== undefined ? eq(serverShareCodes.hash, which.hash) : undefined,
      ),
    )
    .returning({ id: serverShareCodes.id });
  return rows.length;
}
