import { describe, expect, it } from "vitest";
import { parseWith } from "@/lib/http/parse";
import { patchUserLabels, patchUserSchema, roleLimitsLabels, roleLimitsSchema } from "./schemas";

describe("the pids limit of a role and of a per-user override", () => {
  const role = { maxCpu: 2, maxMemGb: 4, maxServers: 1 };

  it("takes a whole number from 32 to 32768, and leaves it out when not given", () => {
    expect(parseWith(roleLimitsSchema, { ...role, maxPids: 256 }, "invalid_request", roleLimitsLabels).maxPids).toBe(256);
    expect(parseWith(roleLimitsSchema, role, "invalid_request", roleLimitsLabels).maxPids).toBeUndefined();
    expect(parseWith(patchUserSchema, { limits: { maxPids: null } }, "invalid_request", patchUserLabels)).toEqual({
      limits: { maxPids: null },
    });
  });

  it.each([[8], [40_000], [100.5], ["512"]])("refuses %j in the editor's words", (maxPids) => {
    expect(() => parseWith(roleLimitsSchema, { ...role, maxPids }, "invalid_request", roleLimitsLabels)).toThrow(
      /^Processes per container /,
    );
    expect(() => parseWith(patchUserSchema, { limits: { maxPids } }, "invalid_request", patchUserLabels)).toThrow(
      /^Processes per container /,
    );
  });
});
