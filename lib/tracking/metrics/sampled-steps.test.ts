import { describe, expect, it } from "vitest";
import { sampledPositions, sampledRange, withRunBounds } from "./sampled-steps";

// MLflow's tests/server/test_handlers.py `test_get_sampled_steps_from_steps` cases, as positions and steps.
describe("sampled steps (MLflow's get_metric_history_bulk_interval)", () => {
  const pick = (steps: number[], start: number, end: number, max: number) => {
    const inRange = steps.filter((s) => s >= start && s <= end);
    const positions = sampledPositions(inRange.length, max);
    return positions === null ? inRange : positions.map((p) => inRange[p]);
  };
  it("keeps all steps when there are at most max_results, else int(i * n / max) plus the last", () => {
    const ten = Array.from({ length: 10 }, (_, i) => i);
    expect(pick(ten, 0, 10, 5)).toEqual([0, 2, 4, 6, 8, 9]);
    expect(pick(ten, 4, 8, 5)).toEqual([4, 5, 6, 7, 8]);
    expect(pick([0, 20, 40, 60, 80, 100], 0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(
      pick(
        Array.from({ length: 101 }, (_, i) => i * 10),
        0,
        1000,
        5,
      ),
    ).toEqual([0, 200, 400, 600, 800, 1000]);
    // Positions with a fractional interval (20 steps in [3, 17] is 15 steps, max 4: interval 3.75).
    expect(
      pick(
        Array.from({ length: 20 }, (_, i) => i),
        3,
        17,
        4,
      ),
    ).toEqual([3, 6, 10, 14, 17]);
    expect(sampledPositions(0, 5)).toBeNull();
  });
  it("defaults the range to 0 … the largest step and adds each run's first and last step inside it", () => {
    expect(sampledRange(null, null, [{ max: 9 }, { max: 19 }])).toEqual({ start: 0, end: 19 });
    expect(sampledRange(null, null, [])).toEqual({ start: 0, end: 0 });
    expect(sampledRange(2, 5, [{ max: 9 }])).toEqual({ start: 2, end: 5 });
    expect(
      withRunBounds(
        [0, 4, 8, 12, 16, 19],
        [
          { min: 0, max: 9 },
          { min: -3, max: 19 },
        ],
        { start: 0, end: 19 },
      ),
    ).toEqual([0, 4, 8, 9, 12, 16, 19]);
  });
});
