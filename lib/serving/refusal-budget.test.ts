import { describe, expect, it } from "vitest";
import { refusalBudget } from "./refusal-budget";

describe("how many refused calls get a log row (refusal-budget.ts)", () => {
  it("admits a few a second per endpoint and per portal, and admits again the next second", () => {
    let now = 5_000;
    const budget = refusalBudget({ perEndpoint: 2, total: 3, now: () => now });
    expect([budget.admit("a"), budget.admit("a"), budget.admit("a")]).toEqual([true, true, false]);
    expect([budget.admit("b"), budget.admit("c")]).toEqual([true, false]);
    now += 999;
    expect(budget.admit("c")).toBe(false);
    now += 1;
    expect([budget.admit("a"), budget.admit("c")]).toEqual([true, true]);
  });
});
