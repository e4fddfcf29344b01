import type { Db } from "@/db/client";
import { deleteToken, deleteTokenById, insertToken, type TokenRow } from "@/db/queries/tokens";
import type { TokenKind } from "@/db/schema";
import { assertCan, tokenResource } from "@/lib/auth/access";
import { ownerNamed } from "@/lib/auth/owner-named";
import type { Principal } from "@/lib/auth/principal";
import { DEFAULT_SCOPES, expandScopes, hasScope, isScopeName, SCOPE_NAMES, type ScopedCaller, type ScopeName } from "@/lib/auth/scopes";
import { generateId, generateToken, hashToken } from "@/lib/auth/tokens";
import { recordAudit } from "@/lib/audit/record";
import { ApiError, notFound, refused } from "@/lib/http/api-error";

const DAY_MS = 86_400_000;

export type Created = { id: string; token: string; expiresAt: string | null; scopes: string[] };

/**
 * Which scopes a new token may get. Each name must be in the table (400 naming the first that is
 * not); `admin` only for an admin's token; and a token-authenticated creator can pass on only scopes
 * it holds itself (403 naming the first it lacks). Returns the names as asked, without duplicates.
 */
export function scopesToGrant(creator: ScopedCaller, asked: readonly string[], ownerIsAdmin: boolean): ScopeName[] {
  const names: ScopeName[] = [];
  for (const s of asked) {
    if (!isScopeName(s)) throw new ApiError(400, "invalid_scope", `There is no scope "${s}"; the scopes are ${SCOPE_NAMES.join(", ")}.`);
    if (!names.includes(s)) names.push(s);
  }
  if (names.length === 0) throw new ApiError(400, "invalid_scope", "A token needs at least one scope.");
  if (names.includes("admin") && !ownerIsAdmin) throw new ApiError(403, "forbidden", 'Only an admin\'s token may have the "admin" scope.');
  for (const s of expandScopes(names)) {
    if (!hasScope(creator, s))
      throw new ApiError(403, "insufficient_scope", `This token cannot grant the "${s}" scope: it does not have it itself.`);
  }
  return names;
}

/**
 * The token row and its audit row, inside a transaction the caller holds and for a user the caller
 * has already found (a workspace start makes its MLflow token this way). `audit: false` for a token that
 * lives and dies with a record of its own: a job execution's, named by the execution row (`tokenId`), would
 * otherwise write a `token.create` line per run, once a minute for a minutely cron.
 */
export async function insertApiToken(
  tx: Db,
  actor: Principal,
  owner: { name: string; id: string },
  opts: { note?: string; expiresInDays?: number; kind?: TokenKind; scopes?: readonly ScopeName[]; audit?: boolean },
): Promise<Created> {
  const token = generateToken();
  const kind = opts.kind ?? "personal";
  const row = await insertToken(tx, {
    id: generateId("tok"),
    userName: owner.name,
    ownerId: owner.id,
    hash: hashToken(token),
    kind,
    note: opts.note ?? null,
    scopes: [...(opts.scopes ?? DEFAULT_SCOPES[kind])],
    expiresAt: opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * DAY_MS) : null,
  });
  if (opts.audit !== false)
    await recordAudit(tx, {
      actor: actor.name,
      action: "token.create",
      target: owner.name,
      detail: { id: row.id, kind: row.kind, note: row.note, scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null },
    });
  return { id: row.id, token, expiresAt: row.expiresAt?.toISOString() ?? null, scopes: row.scopes };
}

export function tokenView(t: TokenRow) {
  return {
    id: t.id,
    note: t.note,
    scopes: t.scopes,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    expired: t.expiresAt !== null && t.expiresAt.getTime() <= Date.now(),
  };
}
export type TokenView = ReturnType<typeof tokenView>;

export async function revokeApiToken(db: Db, actor: Principal, userName: string, id: string): Promise<void> {
  const owner = await ownerNamed(db, userName);
  assertCan(actor, "write", tokenResource(owner, id), refused);
  await db.transaction(async (tx) => {
    if (owner.id === null || !(await deleteToken(tx, owner.id, id)))
      throw notFound("token_not_found", `There is no token "${id}" for ${userName}.`);
    await recordAudit(tx, { actor: actor.name, action: "token.revoke", target: userName, detail: { id } });
  });
}

/** Removes a token the portal made for itself (a workspace's MLflow token) when its server ends. */
export async function revokeTokenById(db: Db, id: string): Promise<void> {
  await deleteTokenById(db, id);
}
