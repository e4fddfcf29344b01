import { describe, expect, it } from "vitest";
import { restartSize, sizeRange } from "./allowed-size";

const limits = { maxCpu: 4, maxMemGb: 8, maxServers: 3, maxTotalCpu: 6, maxTotalMemGb: 12, maxStorageGb: 50, maxPids: 1024 };
const idle = { limits, usage: { servers: 0, cpu: 0, memGb: 0 } };
const anyEnv = { maxCpu: null, maxMemGb: null };

describe("restartSize", () => {
  it("starts again with the last size while the limits allow it", () => {
    expect(restartSize(idle, anyEnv, { cpu: 2, memGb: 4 })).toEqual({ cpu: 2, memGb: 4, reduced: false });
  });

  it("offers the most that is allowed now when limits were lowered since", () => {
    const lowered = { ...idle, limits: { ...limits, maxCpu: 1, maxMemGb: 2 } };
    expect(restartSize(lowered, anyEnv, { cpu: 2, memGb: 4 })).toEqual({ cpu: 1, memGb: 2, reduced: true });
  });

  it("counts what other workspaces already use of the total, and the environment's ceiling", () => {
    const busy = { limits, usage: { servers: 1, cpu: 5, memGb: 4 } };
    expect(restartSize(busy, anyEnv, { cpu: 2, memGb: 4 })).toEqual({ cpu: 1, memGb: 4, reduced: true });
    expect(restartSize(idle, { maxCpu: 0.5, maxMemGb: null }, { cpu: 2, memGb: 4 })).toEqual({ cpu: 0.5, memGb: 4, reduced: true });
  });

  it("keeps the sliders' step: a limit between steps rounds down to one", () => {
    expect(sizeRange({ ...idle, limits: { ...limits, maxCpu: 1.3 } }, undefined).cpuMax).toBe(1.25);
    // A role allowing more than the machine has is capped at the machine.
    expect(sizeRange({ ...idle, limits: { ...limits, maxCpu: 16, maxTotalCpu: 32 } }, undefined, 2).cpuMax).toBe(2);
  });
});
