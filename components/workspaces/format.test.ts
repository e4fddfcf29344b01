import { describe, expect, it } from "vitest";
import { bytes, cpus, gib, relativeTime } from "./format";
import { freeName } from "./start-form";

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

describe("freeName", () => {
  it("offers the preferred name unless a workspace by that name is active", () => {
    expect(freeName("default", [])).toBe("default");
    expect(freeName("default", [{ name: "default", status: "stopped" }])).toBe("default");
    expect(freeName("default", [{ name: "default", status: "running" }])).toBe("default-2");
    expect(
      freeName("default", [
        { name: "default", status: "pending" },
        { name: "default-2", status: "stopping" },
      ]),
    ).toBe("default-3");
  });
});
