/**
 * Share links (JupyterHub's share codes, docs/sharing.md): the owner (or an admin) makes a random code for
 * one server with an expiry; the first signed-in person who accepts it before then gets a share, and the
 * code is gone (single use, unlike JupyterHub's, so a forwarded link cannot let in a second person).
 * Only the code's SHA-256 is stored; the code itself is shown once, in the answer that makes it.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import {
  countShareCodes,
  deleteShareCodes,
  findShareCode,
  insertShareCode,
  listShareCodes,
  takeShareCode,
  upsertShare,
} from "@/db/queries/shares";
import type { Principal } from "@/lib/auth/principal";
import { hashToken } from "@/lib/auth/tokens";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";
import { badRequest, conflict, forbidden, notFound } from "@/lib/http/api-error";
import { labelOf, type ServerRef } from "@/lib/workspaces/names";
import { forgetWorkspaceTarget } from "@/lib/workspaces/target";
import { DEFAULT_CODE_TTL_S } from "./schemas";
import { assertManages, newShareId } from "./shares";
import { shareCodeView, shareView, type ShareCodeView, type ShareView } from "./view";

/** Live links per server: enough for a class, few enough that a script cannot fill the table. */
export const MAX_CODES_PER_SERVER = 50;

const acceptPath = (code: string) => `/share/accept?${new URLSearchParams({ code }).toString()}`;

/** A new link; `code` and `accept_url` appear in this answer only. */
export async function createShareCode(
  db: Db,
  caller: Principal,
  ref: ServerRef,
  expiresInS = DEFAULT_CODE_TTL_S,
  now = new Date(),
): Promise<ShareCodeView & { code: string; accept_url: string }> {
  await assertManages(db, caller, ref);
  const code = randomBytes(32).toString("base64url");
  const row = await db.transaction(async (tx) => {
    if ((await countShareCodes(tx, ref, now)) >= MAX_CODES_PER_SERVER)
      throw conflict(
        "too_many_share_codes",
        `${labelOf(ref)} has ${MAX_CODES_PER_SERVER} unused share links already, the most a server may have; delete some first.`,
      );
    const inserted = await insertShareCode(
      tx,
      {
        id: randomBytes(8).toString("hex"),
        hash: hashToken(code),
        userName: ref.user,
        serverName: ref.server,
        createdById: caller.userId ?? null,
        expiresAt: new Date(now.getTime() + expiresInS * 1000),
      },
      now,
    );
    await recordAudit(tx, {
      actor: caller.name,
      action: "share.code_create",
      target: labelOf(ref),
      detail: { id: inserted.id, expiresAt: inserted.expiresAt.toISOString() },
    });
    return inserted;
  });
  return { ...shareCodeView(row), code, accept_url: `${getConfig().publicUrl.replace(/\/$/, "")}${acceptPath(code)}` };
}

export async function listServerShareCodes(db: Db, caller: Principal, ref: ServerRef, now = new Date()): Promise<ShareCodeView[]> {
  await assertManages(db, caller, ref);
  return (await listShareCodes(db, ref, now)).map(shareCodeView);
}

/** Deletes one link (by its id or the code) or all of the server's; returns how many went. */
export async function deleteServerShareCodes(
  db: Db,
  caller: Principal,
  ref: ServerRef,
  which: { id?: string; code?: string },
): Promise<number> {
  await assertManages(db, caller, ref);
  const n = await deleteShareCodes(db, ref, {
    ...(which.id !== undefined ? { id: which.id } : {}),
    ...(which.code !== undefined ? { hash: hashToken(which.code) } : {}),
  });
  if ((which.id !== undefined || which.code !== undefined) && n === 0)
    throw notFound("share_code_not_found", "There is no such share link for this server.");
  if (n > 0)
    await recordAudit(db, {
      actor: caller.name,
      action: "share.code_revoke",
      target: labelOf(ref),
      detail: { count: n, ...(which.id !== undefined ? { id: which.id } : {}) },
    });
  return n;
}

const unusable = () => notFound("share_code_invalid", "This share link is unknown, already used or expired; ask for a new one.");

/** What the link opens, for the accept page, without using it up; null when it cannot be accepted. */
export async function describeShareCode(db: Db, code: string, now = new Date()): Promise<{ ref: ServerRef; expiresAt: Date } | null> {
  const row = await findShareCode(db, hashToken(code));
  if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
  return { ref: { user: row.userName, server: row.serverName }, expiresAt: row.expiresAt };
}

/** The signed-in caller accepts the link: a share for her, and the code is burnt (also when it had expired). */
export async function acceptShareCode(db: Db, caller: Principal, code: string, now = new Date()): Promise<ShareView> {
  if (caller.userId === undefined) throw forbidden("forbidden", "Only a person can accept a share link; the bootstrap token is no one.");
  const hash = hashToken(code);
  const seen = await findShareCode(db, hash);
  if (!seen) throw unusable();
  const ref = { user: seen.userName, server: seen.serverName };
  const server = await findServer(db, ref.user, ref.server);
  // The owner's own click is no use of the link: it stays for whom it was meant.
  if (server?.ownerId === caller.userId)
    throw badRequest("share_with_owner", `${labelOf(ref)} is yours already; send the link to someone else.`);
  const share = await db.transaction(async (tx) => {
    const row = await takeShareCode(tx, hash);
    if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
    const made = await upsertShare(
      tx,
      { id: newShareId(), userName: ref.user, serverName: ref.server, createdById: row.createdById },
      { userId: caller.userId as string },
    );
    await recordAudit(tx, { actor: caller.name, action: "share.code_accept", target: labelOf(ref), detail: { id: row.id } });
    return made.share;
  });
  if (!share) throw unusable();
  forgetWorkspaceTarget(db, ref.user, ref.server);
  return shareView({ ...share, granteeName: caller.name }, server);
}
