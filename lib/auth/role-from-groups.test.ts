import { describe, expect, it } from "vitest";
import { roleFromGroups } from "./role-from-groups";

const mapping = {
  adminGroups: ["ops", "platform"],
  roleGroups: { "gpu-users": "power", "data-science": "user", interns: "guest" },
  defaultRole: "viewer",
};

describe("roleFromGroups", () => {
  it("makes members of any admin group admin, whatever else they are in", () => {
    expect(roleFromGroups(["ops"], mapping)).toBe("admin");
    expect(roleFromGroups(["data-science", "platform", "gpu-users"], mapping)).toBe("admin");
  });

  it("uses the first mapped group in the mapping's order, not the groups' order", () => {
    expect(roleFromGroups(["interns", "data-science", "gpu-users"], mapping)).toBe("power");
    expect(roleFromGroups(["interns", "data-science"], mapping)).toBe("user");
    expect(roleFromGroups(["interns"], mapping)).toBe("guest");
    const reversed = { ...mapping, roleGroups: { interns: "guest", "data-science": "user", "gpu-users": "power" } };
    expect(roleFromGroups(["gpu-users", "data-science", "interns"], reversed)).toBe("guest");
  });

  it("falls back to the default role", () => {
    expect(roleFromGroups([], mapping)).toBe("viewer");
    expect(roleFromGroups(["marketing"], mapping)).toBe("viewer");
  });

  it("matches group names exactly (case-sensitive)", () => {
    expect(roleFromGroups(["OPS"], mapping)).toBe("viewer");
    expect(roleFromGroups(["GPU-users"], mapping)).toBe("viewer");
  });

  it("works with no admin groups and no mapping", () => {
    expect(roleFromGroups(["ops"], { adminGroups: [], roleGroups: {}, defaultRole: "user" })).toBe("user");
  });
});
