import { describe, expect, it } from "vitest";
import { credentialCacheKey, credentialOf, sessionCookies } from "./credential";

const headers = (h: Record<string, string>) => new Headers(h);

describe("credentialOf", () => {
  it("takes a Bearer or token Authorization as the credential", () => {
    expect(credentialOf(headers({ authorization: "Bearer atr_x" }))).toEqual({ kind: "token", token: "atr_x" });
    expect(credentialOf(headers({ authorization: "token atr_x", cookie: "authjs.session-token=s" }))).toEqual({
      kind: "token",
      token: "atr_x",
    });
  });

  it("ignores Authorization headers that are no token and reads the session cookie alone", () => {
    for (const authorization of ["Basic Zm9vOmJhcg==", "Bearer two words", "Bearer", "Digest x"]) {
      expect(credentialOf(headers({ authorization }))).toBeNull();
      expect(credentialOf(headers({ authorization, cookie: "a=1; authjs.session-token=s; b=2" }))).toEqual({
        kind: "session",
        cookies: "authjs.session-token=s",
      });
    }
  });

  it("keeps only session-token cookies and their chunks, never nameless ones", () => {
    expect(sessionCookies("authjs.csrf-token=c; authjs.session-token.0=a; authjs.session-token.1=b; __Secure-authjs.session-token=z")).toBe(
      "authjs.session-token.0=a; authjs.session-token.1=b; __Secure-authjs.session-token=z",
    );
    expect(sessionCookies("=authjs.session-token=x; authjs.session-token; authjs.session-tokenX=1")).toBe("");
    expect(sessionCookies(null)).toBe("");
  });

  it("gives tokens and sessions with the same bytes different cache keys", () => {
    expect(credentialCacheKey({ kind: "token", token: "x" })).not.toBe(credentialCacheKey({ kind: "session", cookies: "x" }));
    expect(credentialCacheKey({ kind: "token", token: "x" })).not.toContain("x=");
  });
});
