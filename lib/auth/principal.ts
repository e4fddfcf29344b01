import { getToken } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { findTokenByHash, touchTokenLastUsed } from "@/db/queries/tokens";
import { findUser, touchUserLastSeen } from "@/db/queries/users";
import { getConfig } from "@/lib/config";
import { getAuthSecret, usesSecureCookies } from "./secret";
import { userOfSession } from "./sessions";
import { constantTimeEqual, hashToken, tokenFromAuthorization } from "./tokens";

/** Who is calling, as every route and the workspace proxy see it. */
export interface Principal {
  name: string;
  role: string;
  admin: boolean;
  via: "session" | "token" | "bootstrap";
  /** The api_tokens row used, when via === "token" (a workspace's MLflow token identifies its server). */
  tokenId?: string;
}

export const BOOTSTRAP_PRINCIPAL: Principal = { name: "bootstrap", role: "admin", admin: true, via: "bootstrap" };
/** The portal itself, as the actor of what its background jobs do (tracking tokens, culling). */
export const SYSTEM_PRINCIPAL: Principal = { name: "atrium", role: "admin", admin: true, via: "bootstrap" };

export type HeaderSource = Headers | { get(name: string): string | null };

/** The name the session JWT carries; set by the sign-in callback (lib/auth/sessions.ts). */
export { SESSION_USER_CLAIM } from "./sessions";

async function principalForUser(db: Db, name: string, via: Principal["via"]): Promise<Principal | null> {
  const user = await findUser(db, name);
  if (!user) return null;
  await touchUserLastSeen(db, name);
  return { name: user.name, role: user.role, admin: user.role === "admin", via };
}

/**
 * An API token (`Authorization: Bearer|token`) wins over the session cookie. An invalid or expired
 * token is not silently ignored in favour of the cookie: it yields null, so the caller gets a 401.
 */
export async function resolvePrincipal(db: Db, headers: HeaderSource): Promise<Principal | null> {
  const raw = tokenFromAuthorization(headers.get("authorization"));
  if (raw) {
    const bootstrap = getConfig().bootstrapToken;
    if (bootstrap && constantTimeEqual(raw, bootstrap)) return BOOTSTRAP_PRINCIPAL;
    const row = await findTokenByHash(db, hashToken(raw));
    if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
    await touchTokenLastUsed(db, row.id);
    const principal = await principalForUser(db, row.userName, "token");
    return principal && { ...principal, tokenId: row.id };
  }
  const cookie = headers.get("cookie");
  if (!cookie) return null;
  const jwt = await getToken({
    req: { headers: { cookie } },
    secret: getAuthSecret(),
    secureCookie: usesSecureCookies(),
  });
  // Only a live server-side session counts, not merely a validly signed cookie (lib/auth/sessions.ts).
  const user = await userOfSession(db, jwt);
  return user && { name: user.name, role: user.role, admin: user.role === "admin", via: "session" };
}
