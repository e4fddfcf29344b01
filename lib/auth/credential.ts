/**
 * The one credential a request authenticates with, read the same way by resolvePrincipal and by
 * anything that caches its answer (the workspace proxy). Keying a cache by anything else — the raw
 * Authorization header when it was a Basic or a malformed Bearer that resolvePrincipal ignored, or
 * cookies it never reads — lets a request that carries the same bytes but not the credential pass
 * as whoever sent the credential first.
 */
import { hash } from "node:crypto";
import { tokenFromAuthorization } from "./tokens";

export type HeaderSource = Headers | { get(name: string): string | null };

/** next-auth's session cookie names (plain and Secure), with the `.0`, `.1`… chunks it splits long values into. */
const SESSION_COOKIE_RE = /^(?:__Secure-)?authjs\.session-token(?:\.\d+)?$/;

export type Credential =
  | { kind: "token"; token: string }
  /** Only the session-token cookie pairs, as `name=value; name=value` (all that next-auth reads). */
  | { kind: "session"; cookies: string };

/**
 * The session-token pairs of a Cookie header, in order. A pair without `=` is a nameless cookie whose
 * value a browser sends as is; it is never a session cookie.
 */
export function sessionCookies(cookieHeader: string | null | undefined): string {
  if (!cookieHeader) return "";
  const kept: string[] = [];
  for (const raw of cookieHeader.split(";")) {
    const pair = raw.trim();
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    if (SESSION_COOKIE_RE.test(pair.slice(0, eq).trim())) kept.push(pair);
  }
  return kept.join("; ");
}

/**
 * An API token in `Authorization: Bearer|token <t>` wins; any other Authorization header is not a
 * credential, and the session cookie decides. Null: anonymous.
 */
export function credentialOf(headers: HeaderSource): Credential | null {
  const token = tokenFromAuthorization(headers.get("authorization"));
  if (token) return { kind: "token", token };
  const cookies = sessionCookies(headers.get("cookie"));
  return cookies ? { kind: "session", cookies } : null;
}

/** What a principal may be cached by: a credential, or a workspace origin's own cookie for one server. */
export type CachedCredential = Credential | { kind: "workspace-session"; server: string; value: string };

/** A cache key for the credential: a hash, never the secret itself, and distinct per kind. */
export function credentialCacheKey(credential: CachedCredential): string {
  const material =
    credential.kind === "token"
      ? `t:${credential.token}`
      : credential.kind === "session"
        ? `s:${credential.cookies}`
        : `w:${credential.server}:${credential.value}`;
  // crypto.hash: the one-shot form, without a Hash object per request.
  return hash("sha256", material, "base64url");
}
