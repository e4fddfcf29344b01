import { describe, expect, it } from "vitest";
import type { RoleRow } from "@/db/queries/roles";
import { effectiveLimits } from "./limits";

const power: RoleRow = {
  name: "power",
  maxCpu: 8,
  maxMemGb: 32,
  maxServers: 3,
  maxTotalCpu: 16,
  maxTotalMemGb: 64,
  maxStorageGb: 50,
  maxEndpoints: 5,
  maxServingCpu: 8,
  maxServingMemGb: 32,
  maxPids: 1024,
  updatedAt: new Date("2024-01-01T00:00:00Z"),
};

describe("effectiveLimits", () => {
  it("is the role's limits when there are no overrides", () => {
    expect(effectiveLimits(power, {})).toStrictEqual({
      maxCpu: 8,
      maxMemGb: 32,
      maxServers: 3,
      maxTotalCpu: 16,
      maxTotalMemGb: 64,
      maxStorageGb: 50,
      maxPids: 1024,
    });
  });

  it("lets each override win over the role's value", () => {
    expect(effectiveLimits(power, { maxCpu: 4 })).toStrictEqual({
      maxCpu: 4,
      maxMemGb: 32,
      maxServers: 3,
      maxTotalCpu: 16,
      maxTotalMemGb: 64,
      maxStorageGb: 50,
      maxPids: 1024,
    });
    expect(effectiveLimits(power, { maxMemGb: 128, maxTotalMemGb: 256 })).toStrictEqual({
      maxCpu: 8,
      maxMemGb: 128,
      maxServers: 3,
      maxTotalCpu: 16,
      maxTotalMemGb: 256,
      maxStorageGb: 50,
      maxPids: 1024,
    });
    expect(
      effectiveLimits(power, { maxCpu: 1, maxMemGb: 2, maxServers: 5, maxTotalCpu: 3, maxTotalMemGb: 4, maxStorageGb: 1, maxPids: 64 }),
    ).toStrictEqual({
      maxCpu: 1,
      maxMemGb: 2,
      maxServers: 5,
      maxTotalCpu: 3,
      maxTotalMemGb: 4,
      maxStorageGb: 1,
      maxPids: 64,
    });
  });

  it("keeps an override of 0 (no servers) rather than falling back to the role", () => {
    expect(effectiveLimits(power, { maxServers: 0 }).maxServers).toBe(0);
  });

  it("does not carry the role's name or timestamp", () => {
    expect(Object.keys(effectiveLimits(power, {})).sort()).toEqual([
      "maxCpu",
      "maxMemGb",
      "maxPids",
      "maxServers",
      "maxStorageGb",
      "maxTotalCpu",
      "maxTotalMemGb",
    ]);
  });
});
