import { describe, expect, it } from "vitest";
import { ADMIN_ACCESS_DANGER, workspaceOriginNotice } from "./origin-notice";

const host = (domain: string) => ({ domain, port: undefined, scheme: "https" as const });

describe("workspaceOriginNotice", () => {
  it("warns when admins may open workspaces on the portal's origin, and says why", () => {
    expect(workspaceOriginNotice({ publicUrl: "https://atrium.example.com", workspaceHost: undefined, adminAccess: true })).toEqual({
      level: "warn",
      text: ADMIN_ACCESS_DANGER,
    });
    expect(ADMIN_ACCESS_DANGER).toContain("can make her an admin or create API tokens for that admin");
  });

  it("explains that admins are kept out by default", () => {
    expect(workspaceOriginNotice({ publicUrl: "https://atrium.example.com", workspaceHost: undefined, adminAccess: false })).toMatchObject({
      level: "info",
      text: expect.stringContaining("admins cannot open other people's workspaces"),
    });
  });

  it("warns about cookie tossing when the workspace domain shares the portal's parent domain", () => {
    expect(
      workspaceOriginNotice({ publicUrl: "https://atrium.example.com", workspaceHost: host("ws.example.com"), adminAccess: false }),
    ).toMatchObject({
      level: "warn",
      text: expect.stringContaining("share example.com with the portal"),
    });
    expect(
      workspaceOriginNotice({ publicUrl: "https://atrium.example.com", workspaceHost: host("atrium-ws.example.net"), adminAccess: true })
        .level,
    ).toBe("info");
    expect(
      workspaceOriginNotice({ publicUrl: "http://localhost:3000", workspaceHost: host("ws.localhost"), adminAccess: false }).level,
    ).toBe("info");
  });
});
