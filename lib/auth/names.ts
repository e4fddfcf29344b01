import { z } from "zod";

/** User and server names as the API defines them (docs/architecture.md): lower-case, starting with a letter or digit. */
export const USER_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const userNameSchema = z
  .string()
  .regex(USER_NAME_RE, "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (at most 63 characters)");

/**
 * Turns an SSO user name (preferred_username, an email) into an Atrium name, or null when nothing
 * usable is left. "Jane.Doe@corp.com" → "jane.doe"; "Ünïcode" → "unicode".
 */
export function normaliseUserName(raw: string): string | null {
  const local = raw.trim().split("@")[0] ?? "";
  const folded = local
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return USER_NAME_RE.test(folded) ? folded : null;
}

/** A role's name (roles, environments' allowed roles, a person's role). */
export const roleNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be lower-case letters, digits, '_' or '-', starting with a letter");
