import { describe, expect, it } from "vitest";
import type { Me } from "@/lib/users/me";
import { bytes, cpus, gib, relativeTime } from "./format";
import { noRoomReason } from "./start-form";

describe("relativeTime", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const ago = (s: number) => new Date(now - s * 1000).toISOString();
  it("reads like a person would say it", () => {
    expect(relativeTime(null, now)).toBe("never");
    expect(relativeTime(ago(10), now)).toBe("just now");
    expect(relativeTime(ago(-30), now)).toBe("just now");
    expect(relativeTime(ago(5 * 60), now)).toBe("5 min ago");
    expect(relativeTime(ago(3 * 3600), now)).toBe("3 h ago");
    expect(relativeTime(ago(86400), now)).toBe("1 day ago");
    expect(relativeTime(ago(3 * 86400), now)).toBe("3 days ago");
  });
});

describe("units", () => {
  it("formats cores, GiB and bytes", () => {
    expect([cpus(1), cpus(0.5), cpus(2), gib(1.25)]).toEqual(["1 CPU", "0.5 CPUs", "2 CPUs", "1.25 GiB"]);
    expect([bytes(512), bytes(85 * 1024 ** 2), bytes(2 * 1024 ** 3), bytes(1.5 * 1024 ** 3)]).toEqual([
      "512 B",
      "85 MiB",
      "2 GiB",
      "1.5 GiB",
    ]);
  });
});

describe("noRoomReason", () => {
  const me = (usage: Me["usage"]): Me => ({
    name: "sam",
    displayName: null,
    role: "user",
    admin: false,
    limits: { maxCpu: 2, maxMemGb: 4, maxServers: 2, maxTotalCpu: 3, maxTotalMemGb: 6, maxStorageGb: 10, maxPids: 1024 },
    usage,
    storage: { usedBytes: 0, limitBytes: 10 * 1024 ** 3 },
  });
  it("is null while there is room", () => {
    expect(noRoomReason(me({ servers: 1, cpu: 2, memGb: 4 }))).toBeNull();
  });
  it("names the numbers that are used up", () => {
    expect(noRoomReason(me({ servers: 2, cpu: 2, memGb: 2 }))).toBe(
      "You are running 2 of the 2 workspaces your role (user) allows; stop one to start another.",
    );
    expect(noRoomReason(me({ servers: 1, cpu: 3, memGb: 2 }))).toBe(
      "Your workspaces already use 3 of your 3 CPUs; stop one to start another.",
    );
    expect(noRoomReason(me({ servers: 1, cpu: 1, memGb: 6 }))).toBe(
      "Your workspaces already use 6 of your 6 GiB of memory; stop one to start another.",
    );
  });
});
