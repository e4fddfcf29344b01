import { describe, expect, it } from "vitest";
import { webhookBody, webhookSignature, parseRetryAfter } from "./send";
import { checkUrlShape, isPublicAddress } from "./url";
import { decryptSecret, encryptSecret, webhookSecretKey } from "./secret";
import { retryDelayMs } from "./deliver";

describe("webhook addresses, body, signature, secrets", () => {
  it("counts only global addresses as public, IPv4-mapped IPv6 as its IPv4", () => {
    for (const a of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.5",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "224.0.0.1",
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(isPublicAddress(a), a).toBe(true);
  });

  it("checks the scheme against the allowed list and refuses credentials in the URL", () => {
    expect(() => checkUrlShape("http://example.com", { allowedSchemes: ["https"] })).toThrow(
      "Invalid webhook URL scheme: 'http'. Allowed schemes: https",
    );
    expect(() => checkUrlShape("https://u:p@example.com", { allowedSchemes: ["https"] })).toThrow(/user name or password/);
    expect(() => checkUrlShape("not a url", { allowedSchemes: ["https"] })).toThrow("Invalid webhook URL: 'not a url'");
    expect(checkUrlShape("https://example.com/x", { allowedSchemes: ["https"] }).hostname).toBe("example.com");
  });

  it("writes the body as Python's json.dumps and signs it as MLflow does", () => {
    const body = webhookBody(
      "model_version_alias.created",
      { name: "m", alias: "prod", version: "1", note: "é" },
      new Date("2025-01-02T03:04:05.678Z"),
    );
    expect(body).toBe(
      '{"entity": "model_version_alias", "action": "created", "timestamp": "2025-01-02T03:04:05.678000+00:00", "data": {"name": "m", "alias": "prod", "version": "1", "note": "\\u00e9"}}',
    );
    // Python: base64(hmac.new(b"s", b"d.1.{}", sha256).digest())
    expect(webhookSignature("s", "d", "1", "{}")).toBe("v1,IU+2+KHu4+2P4cNMuwvd3lx0u3yUZ/KaEHscpFOsm4Y=");
  });

  it("reads Retry-After as seconds or a date, caps it, and backs off 1, 2, 4 s up to 60 s otherwise", () => {
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(parseRetryAfter("soon")).toBeNull();
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, null))).toEqual([1000, 2000, 4000, 60_000]);
    expect(retryDelayMs(1, 86_400_000)).toBe(600_000);
  });

  it("encrypts secrets with a random nonce; another key cannot read them", () => {
    const key = webhookSecretKey("a".repeat(32));
    const a = encryptSecret("hush", key);
    expect(a).not.toContain("hush");
    expect(encryptSecret("hush", key)).not.toBe(a);
    expect(decryptSecret(a, key)).toBe("hush");
    expect(() => decryptSecret(a, webhookSecretKey("b".repeat(32)))).toThrow(/cannot be decrypted/);
  });
});
