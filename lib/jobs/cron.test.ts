import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/api-error";
import { assertCron, cronProblem, latestTimeAtOrBefore, nextTimes } from "./cron";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("cron", () => {
  it("gives the next five times in the job's time zone", () => {
    const after = new Date("2026-06-01T10:07:00Z");
    expect(iso(nextTimes("*/15 * * * *", "UTC", 5, after))).toEqual([
      "2026-06-01T10:15:00.000Z",
      "2026-06-01T10:30:00.000Z",
      "2026-06-01T10:45:00.000Z",
      "2026-06-01T11:00:00.000Z",
      "2026-06-01T11:15:00.000Z",
    ]);
    // 06:00 in Berlin is 04:00 UTC in summer.
    expect(iso(nextTimes("0 6 * * *", "Europe/Berlin", 2, after))).toEqual(["2026-06-02T04:00:00.000Z", "2026-06-03T04:00:00.000Z"]);
  });

  it("runs a time skipped by the spring DST change once, right after the gap, and a repeated one once", () => {
    // 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00).
    expect(iso(nextTimes("30 2 * * *", "Europe/Berlin", 3, new Date("2026-03-28T00:00:00Z")))).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    // 2026-10-25 02:30 happens twice in Berlin; the job runs once that night.
    expect(iso(nextTimes("30 2 * * *", "Europe/Berlin", 2, new Date("2026-10-24T22:00:00Z")))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("ORs day-of-month and day-of-week as Vixie cron does", () => {
    // The 1st of the month or any Monday, at noon UTC; 2026-06-01 is a Monday, then 2026-06-08.
    const times = iso(nextTimes("0 12 1 * 1", "UTC", 3, new Date("2026-05-31T00:00:00Z")));
    expect(times).toEqual(["2026-06-01T12:00:00.000Z", "2026-06-08T12:00:00.000Z", "2026-06-15T12:00:00.000Z"]);
  });

  it("says in one sentence what is wrong with a bad expression or zone", () => {
    expect(cronProblem("0 6 * * *", "Europe/Berlin")).toBeUndefined();
    expect(cronProblem("0 6 * *", "UTC")).toMatch(/has 5 fields .* has 4\.$/);
    expect(cronProblem("0 6 * * * *", "UTC")).toMatch(/has 6\.$/);
    expect(cronProblem("61 * * * *", "UTC")).toBe('The cron expression "61 * * * *" is not valid: Invalid value for minute: 61.');
    expect(cronProblem("0 6 31 2 *", "UTC")).toBe('The cron expression "0 6 31 2 *" never fires.');
    expect(cronProblem("0 6 * * *", "Mars/Olympus")).toMatch(/not an IANA time zone/);
    expect(cronProblem("@daily", "UTC")).toMatch(/has 1\.$/);
    try {
      assertCron("x * * * *", "UTC");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).code).toBe("invalid_cron");
    }
  });
});

describe("latestTimeAtOrBefore", () => {
  it("counts a fire time equal to the instant, and never one after it", () => {
    expect(latestTimeAtOrBefore("0 * * * *", "UTC", new Date("2026-06-01T11:00:00Z"))?.toISOString()).toBe("2026-06-01T11:00:00.000Z");
    expect(latestTimeAtOrBefore("0 * * * *", "UTC", new Date("2026-06-01T10:59:59.500Z"))?.toISOString()).toBe("2026-06-01T10:00:00.000Z");
    expect(latestTimeAtOrBefore("30 2 * * *", "Europe/Berlin", new Date("2026-03-29T12:00:00Z"))?.toISOString()).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });
});
