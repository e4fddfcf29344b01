/**
 * A person's API tokens as the account API makes and lists them: the person must exist (404). The token
 * rows themselves are made by lib/tokens/manage.ts, which workspaces and jobs use without knowing about people.
 */
import type { Db } from "@/db/client";
import { listTokens } from "@/db/queries/tokens";
import { assertCan, tokenResource } from "@/lib/auth/access";
import { ownerNamed } from "@/lib/auth/owner-named";
import type { Principal } from "@/lib/auth/principal";
import { DEFAULT_SCOPES } from "@/lib/auth/scopes";
import { refused } from "@/lib/http/api-error";
import { insertApiToken, scopesToGrant, tokenView, type Created, type TokenView } from "@/lib/tokens/manage";
import { getUserOrThrow } from "./find";

/**
 * A personal token, returned once; only its hash is kept. Its scopes are the ones asked for (default
 * DEFAULT_SCOPES.personal), checked by scopesToGrant against the table, the owner and the creator.
 */
export async function createApiToken(
  db: Db,
  actor: Principal,
  userName: string,
  opts: { note?: string; expiresInDays?: number; scopes?: readonly string[] },
): Promise<Created> {
  assertCan(actor, "write", tokenResource(await ownerNamed(db, userName)), refused);
  return db.transaction(async (tx) => {
    const owner = await getUserOrThrow(tx, userName);
    const scopes = scopesToGrant(actor, opts.scopes ?? DEFAULT_SCOPES.personal, owner.role === "admin");
    return insertApiToken(tx, actor, owner, { ...opts, scopes });
  });
}

export async function listApiTokens(db: Db, userName: string): Promise<TokenView[]> {
  const owner = await getUserOrThrow(db, userName);
  return (await listTokens(db, owner.id)).map(tokenView);
}
