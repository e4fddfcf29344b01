import { describe, expect, it } from "vitest";
import { formatClock, formatDate, formatDateTime } from "./dates";

describe("formatDateTime", () => {
  const at = Date.UTC(2026, 0, 5, 14, 3, 7);

  it("writes every kind of moment the same way, in UTC", () => {
    expect(formatDateTime(at)).toBe("2026-01-05 14:03 UTC");
    expect(formatDateTime(new Date(at))).toBe("2026-01-05 14:03 UTC");
    expect(formatDateTime("2026-01-05T15:03:07+01:00")).toBe("2026-01-05 14:03 UTC");
  });

  it("adds seconds when asked", () => {
    expect(formatDateTime(at, { seconds: true })).toBe("2026-01-05 14:03:07 UTC");
  });

  it("has a date and a clock that are its parts", () => {
    expect(formatDate(at)).toBe("2026-01-05");
    expect(formatClock(at)).toBe("14:03:07");
    expect(formatDateTime(at, { seconds: true })).toBe(`${formatDate(at)} ${formatClock(at)} UTC`);
  });
});
