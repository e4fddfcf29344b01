import { describe, expect, it } from "vitest";
import { hasBody, isJsonContentType, isSameOriginRequest, isUnsafeMethod } from "./same-origin";

const PORTAL = "http://localhost:3000";
const h = (values: Record<string, string>) => new Headers(values);

describe("isSameOriginRequest", () => {
  it("trusts Sec-Fetch-Site only when it says same-origin", () => {
    expect(isSameOriginRequest(h({ "sec-fetch-site": "same-origin" }), PORTAL)).toBe(true);
    for (const site of ["same-site", "cross-site", "none", ""]) {
      expect(isSameOriginRequest(h({ "sec-fetch-site": site, origin: PORTAL, host: "localhost:3000" }), PORTAL), site).toBe(false);
    }
  });

  it("without Fetch Metadata, wants an Origin on the portal's own host and port", () => {
    expect(isSameOriginRequest(h({ origin: PORTAL }), PORTAL)).toBe(true);
    expect(isSameOriginRequest(h({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }), PORTAL)).toBe(true);
    // Another port on the same host is the same site, not the same origin.
    expect(isSameOriginRequest(h({ origin: "http://localhost:9999", host: "localhost:3000" }), PORTAL)).toBe(false);
    expect(isSameOriginRequest(h({ origin: "http://evil.localhost:3000", host: "localhost:3000" }), PORTAL)).toBe(false);
    expect(isSameOriginRequest(h({ origin: "null", host: "localhost:3000" }), PORTAL)).toBe(false);
    expect(isSameOriginRequest(h({ origin: "file://", host: "localhost:3000" }), PORTAL)).toBe(false);
    expect(isSameOriginRequest(h({ host: "localhost:3000" }), PORTAL)).toBe(false);
  });
});

describe("request shape", () => {
  it("knows unsafe methods, JSON types and bodies", () => {
    expect(["POST", "put", "PATCH", "DELETE", "TRACE"].every(isUnsafeMethod)).toBe(true);
    expect(["GET", "HEAD", "options"].some(isUnsafeMethod)).toBe(false);
    expect(isJsonContentType("application/json; charset=utf-8")).toBe(true);
    expect(isJsonContentType("application/merge-patch+json")).toBe(true);
    for (const t of [
      "text/plain",
      "text/plain; application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
      "application/jsonx",
    ])
      expect(isJsonContentType(t), t).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
    expect(hasBody(h({ "content-length": "2" }))).toBe(true);
    expect(hasBody(h({ "content-length": "0" }))).toBe(false);
    expect(hasBody(h({ "transfer-encoding": "chunked" }))).toBe(true);
    expect(hasBody(h({}))).toBe(false);
  });
});
