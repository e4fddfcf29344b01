import { describe, expect, it } from "vitest";
import { returnPath, signInPath } from "./return-path";

describe("where sign-in returns to", () => {
  it("keeps a path on this portal, with its query", () => {
    expect(returnPath("/jobs/job_1?execution=jex_1")).toBe("/jobs/job_1?execution=jex_1");
    expect(signInPath("/jobs/job_1?execution=jex_1")).toBe("/signin?next=%2Fjobs%2Fjob_1%3Fexecution%3Djex_1");
  });

  it("turns anything that could leave the portal, or loop, into the home page", () => {
    for (const next of [
      "//evil.example/x",
      "/\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "evil",
      "",
      "/signin",
      "/signin?next=/x",
      "/api/auth/signout",
      undefined,
      ["/jobs"],
      `/${"a".repeat(2001)}`,
    ]) {
      expect(returnPath(next), String(next)).toBe("/");
    }
    expect(signInPath("//evil.example")).toBe("/signin");
  });
});
