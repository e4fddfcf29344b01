import type { OidcIdentity } from "@/db/queries/users";
import { normaliseUserName } from "@/lib/auth/names";

/** What an SSO sign-in tells Atrium about the person, from the ID token's claims. */
export interface OidcPerson {
  identity: OidcIdentity;
  /** The Atrium name the claims fold to; sign-in.ts decides whether this person gets it. */
  name: string;
  displayName: string | null;
  /** Only a verified address: an unverified one is whatever the person typed. */
  email: string | null;
}

/** Why a sign-in is refused; each code has its sentence on the sign-in page (app/signin/page.tsx). */
export type OidcRefusal = "NoSubject" | "NoUserName" | "BadUserName";

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);

/**
 * The person in an ID token. The name comes from `preferred_username`, else from the email only when
 * `email_verified` is true (anyone may type any address at many providers, `admin@elsewhere` included);
 * with neither there is no name. The identity is (`iss`, `sub`), which the provider never gives twice.
 */
export function personFromClaims(claims: Record<string, unknown>): { person: OidcPerson } | { refused: OidcRefusal } {
  const issuer = text(claims.iss);
  const subject = text(claims.sub);
  if (!issuer || !subject) return { refused: "NoSubject" };
  const verifiedEmail = claims.email_verified === true ? text(claims.email) : undefined;
  const source = text(claims.preferred_username) ?? verifiedEmail;
  if (source === undefined) return { refused: "NoUserName" };
  const name = normaliseUserName(source);
  if (!name) return { refused: "BadUserName" };
  return { person: { identity: { issuer, subject }, name, displayName: text(claims.name) ?? null, email: verifiedEmail ?? null } };
}
