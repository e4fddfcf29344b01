/**
 * Webhook secrets at rest (docs/webhooks.md): AES-256-GCM under a key from MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY,
 * or, when that is unset, from the portal's AUTH_SECRET (lib/auth/secret.ts). Either is stretched with HKDF
 * (SHA-256, its own label), so the same AUTH_SECRET never serves as a key for two purposes. Changing the key
 * makes stored secrets unreadable: such a webhook's deliveries fail with a sentence saying so.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getAuthSecret } from "@/lib/auth/secret";
import { getConfig } from "@/lib/config";

const VERSION = "v1";
const LABEL = "atrium webhook secrets v1";

function keyFrom(material: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(material, "utf8"), Buffer.alloc(0), Buffer.from(LABEL), 32));
}

/** The key: MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY when set, else AUTH_SECRET's. */
export function webhookSecretKey(explicit = getConfig().webhooks.secretEncryptionKey): Buffer {
  return keyFrom(explicit ?? getAuthSecret());
}

export function encryptSecret(secret: string, key = webhookSecretKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(":");
}

export class SecretUnreadable extends Error {}

export function decryptSecret(stored: string, key = webhookSecretKey()): string {
  const [version, iv, tag, data] = stored.split(":");
  if (version !== VERSION || !iv || !tag || data === undefined)
    throw new SecretUnreadable("The webhook's stored secret is not in a known format.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretUnreadable(
      "The webhook's secret cannot be decrypted: the encryption key (MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY or AUTH_SECRET) changed; set the secret again.",
    );
  }
}
