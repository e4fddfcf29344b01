import { describe, expect, it } from "vitest";
import { nextPollMs } from "./poll";

describe("nextPollMs", () => {
  it("polls every 2 s for as long as a rollout runs, however long nothing changed", () => {
    expect([0, 1, 3, 10].map((n) => nextPollMs(true, n))).toEqual([2000, 2000, 2000, 2000]);
  });

  it("backs off from 10 s to a minute on an idle page", () => {
    expect([0, 1, 2, 3, 10].map((n) => nextPollMs(false, n))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });
});
