/**
 * Server-side sessions behind the session cookie. The cookie is still next-auth's signed JWT, but it
 * only counts while the session row it names exists and has not expired: signing out, deleting the
 * person or an admin's revocation end it at once, on every replica, because every request that comes
 * with a cookie reads its row (one query, the one that used to read the user; see
 * docs/sessions.md). The workspace proxy remembers a principal for its cache's TTL (5 s by default),
 * which is the longest a revoked cookie still reaches a workspace.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { deleteSession, deleteSessionsOf, findLiveSession, insertSession, touchSession } from "@/db/queries/sessions";
import type { MembershipRow } from "@/db/queries/resource-permissions";
import { touchUserLastSeen, type UserRow } from "@/db/queries/users";
import { recordAudit } from "@/lib/audit/record";
import { activityDue } from "./activity";
import { hashToken } from "./tokens";

/** The claims the session JWT carries; set by the sign-in callback (app/_lib/next-auth.ts). */
export const SESSION_USER_CLAIM = "atriumUser";
export const SESSION_USER_ID_CLAIM = "atriumUserId";
export const SESSION_ID_CLAIM = "atriumSession";

/** A session lasts this long after its last use (the cookie's own maxAge is the same). */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

type Claims = Record<string, unknown>;

/** Creates the session row at sign-in and writes the claims that name it into the JWT. */
export async function startSession(db: Db, user: Pick<UserRow, "id" | "name">, token: Claims): Promise<void> {
  const sessionId = randomBytes(32).toString("base64url");
  await insertSession(db, { idHash: hashToken(sessionId), ownerId: user.id, expiresAt: new Date(Date.now() + SESSION_MAX_AGE_S * 1000) });
  token[SESSION_USER_CLAIM] = user.name;
  token[SESSION_USER_ID_CLAIM] = user.id;
  token[SESSION_ID_CLAIM] = sessionId;
}

/** Sign-out: the session the JWT names is deleted, so a copy of the cookie is worthless from now on. */
export async function endSession(db: Db, token: Claims | null | undefined): Promise<void> {
  const sessionId = token?.[SESSION_ID_CLAIM];
  if (typeof sessionId === "string") await deleteSession(db, hashToken(sessionId));
}

/**
 * The person a decoded session JWT stands for, or null: the session must exist, be unexpired and
 * belong to the person of that name AND id (a cookie made for a deleted "alice" names her old id,
 * which no new "alice" has). Cookies from before server-side sessions carry no session id: refused.
 */
export async function userOfSession(
  db: Db,
  token: Claims | null,
): Promise<{ user: UserRow; memberships: MembershipRow[]; idHash: string } | null> {
  const name = token?.[SESSION_USER_CLAIM];
  const userId = token?.[SESSION_USER_ID_CLAIM];
  const sessionId = token?.[SESSION_ID_CLAIM];
  if (typeof name !== "string" || typeof userId !== "string" || typeof sessionId !== "string") return null;
  const idHash = hashToken(sessionId);
  const live = await findLiveSession(db, idHash);
  if (!live || live.user.id !== userId || live.user.name !== name) return null;
  // Writes at most once a minute each, and only when the row just read says it is due: a busy page
  // costs one query a request (the joined read, project memberships included).
  const now = Date.now();
  await Promise.all([
    activityDue(live.session.lastSeenAt, now) ? touchSession(db, idHash, SESSION_MAX_AGE_S * 1000) : undefined,
    activityDue(live.user.lastSeenAt, now) ? touchUserLastSeen(db, name) : undefined,
  ]);
  return { user: live.user, memberships: live.memberships, idHash };
}

/** An admin (`actor`) ends every session of a person (she has to sign in again); returns how many there were. */
export async function revokeSessions(db: Db, actor: { name: string }, user: Pick<UserRow, "id" | "name">): Promise<number> {
  return db.transaction(async (tx) => {
    const n = await deleteSessionsOf(tx, user.id);
    await recordAudit(tx, { actor: actor.name, action: "user.sessions_revoke", target: user.name, detail: { sessions: n } });
    return n;
  });
}
