import { describe, expect, it } from "vitest";
import { TOKEN_PREFIX, constantTimeEqual, generateId, generateToken, hashToken, tokenFromAuthorization } from "./tokens";

describe("tokenFromAuthorization", () => {
  it("reads the Bearer form", () => {
    expect(tokenFromAuthorization("Bearer atr_abc123")).toBe("atr_abc123");
  });

  it("reads JupyterHub's token form", () => {
    expect(tokenFromAuthorization("token atr_abc123")).toBe("atr_abc123");
  });

  it("ignores the scheme's case", () => {
    expect(tokenFromAuthorization("bearer x1")).toBe("x1");
    expect(tokenFromAuthorization("BEARER x2")).toBe("x2");
    expect(tokenFromAuthorization("Token x3")).toBe("x3");
    expect(tokenFromAuthorization("TOKEN x4")).toBe("x4");
  });

  it("tolerates extra spaces between scheme and token and after the token", () => {
    expect(tokenFromAuthorization("Bearer    abc   ")).toBe("abc");
    expect(tokenFromAuthorization("Bearer\tabc")).toBe("abc");
  });

  it("returns null for missing, empty or garbage headers", () => {
    expect(tokenFromAuthorization(null)).toBeNull();
    expect(tokenFromAuthorization("")).toBeNull();
    expect(tokenFromAuthorization("Bearer")).toBeNull();
    expect(tokenFromAuthorization("Bearer ")).toBeNull();
    expect(tokenFromAuthorization("Basic dXNlcjpwYXNz")).toBeNull();
    expect(tokenFromAuthorization("Bearerabc")).toBeNull();
    expect(tokenFromAuthorization("Bearer a b")).toBeNull();
    expect(tokenFromAuthorization(" Bearer abc")).toBeNull();
    expect(tokenFromAuthorization("xBearer abc")).toBeNull();
    expect(tokenFromAuthorization("abc")).toBeNull();
  });
});

describe("hashToken", () => {
  it("is the hex sha256 of the token", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("is stable and never the token itself", () => {
    const t = generateToken();
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(t);
    expect(hashToken(t)).not.toContain(t.slice(TOKEN_PREFIX.length));
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("differs for different tokens", () => {
    expect(hashToken("atr_a")).not.toBe(hashToken("atr_b"));
  });
});

describe("generateToken", () => {
  it("starts with the atr_ prefix followed by 32 random bytes in base64url", () => {
    expect(TOKEN_PREFIX).toBe("atr_");
    const t = generateToken();
    expect(t).toMatch(/^atr_[A-Za-z0-9_-]{43}$/);
  });

  it("is unique", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateToken()));
    expect(tokens.size).toBe(200);
  });
});

describe("generateId", () => {
  it("joins the prefix and 9 random bytes in base64url", () => {
    expect(generateId("tok")).toMatch(/^tok_[A-Za-z0-9_-]{12}$/);
    const ids = new Set(Array.from({ length: 200 }, () => generateId("tok")));
    expect(ids.size).toBe(200);
  });
});

describe("constantTimeEqual", () => {
  it("is true for equal strings", () => {
    expect(constantTimeEqual("secret-value", "secret-value")).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("is false for different strings, including different lengths", () => {
    expect(constantTimeEqual("secret-value", "secret-valuf")).toBe(false);
    expect(constantTimeEqual("secret", "secret-value")).toBe(false);
    expect(constantTimeEqual("Secret", "secret")).toBe(false);
    expect(constantTimeEqual("", "x")).toBe(false);
  });
});
