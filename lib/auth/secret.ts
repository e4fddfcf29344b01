import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getConfig } from "@/lib/config";

/**
 * AUTH_SECRET, or for the embedded default a random one kept in the data folder so sessions survive
 * a restart without anyone having to make one up.
 */
export function getAuthSecret(): string {
  const config = getConfig();
  if (config.authSecret) return config.authSecret;
  const file = path.resolve(config.dataDir, "auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(32).toString("base64url");
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return secret;
  }
}

export function usesSecureCookies(): boolean {
  return getConfig().publicUrl.startsWith("https://");
}
