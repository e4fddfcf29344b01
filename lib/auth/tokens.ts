import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_PREFIX = "atr_";

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function generateId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Reads `Authorization: Bearer <t>` or `Authorization: token <t>` (JupyterHub's form). */
export function tokenFromAuthorization(header: string | null): string | null {
  if (!header) return null;
  const m = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
