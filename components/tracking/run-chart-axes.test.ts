import { describe, expect, it } from "vitest";
import type { ChartRun } from "@/lib/tracking/overview/run-chart";
import { axisOf } from "./run-chart-axes";

const run = (runId: string, metrics: Record<string, number>, params: Record<string, string>): ChartRun => ({
  runId,
  name: runId,
  metrics,
  params,
});
const runs = [
  run("a", { acc: 0.5 }, { lr: "0.1", model: "xgb" }),
  run("b", { acc: 0.9 }, { lr: "0.01", model: "logreg" }),
  run("c", {}, { lr: "1e-3" }),
];

describe("axisOf", () => {
  it("places numeric params and metrics by value and scales them to 0..1", () => {
    const lr = axisOf(runs, "params:lr");
    expect(runs.map((r) => lr.position(r))).toEqual([0.1, 0.01, 0.001]);
    expect(lr.normalised(runs[0] as ChartRun)).toBe(1);
    expect(lr.normalised(runs[2] as ChartRun)).toBe(0);
    const acc = axisOf(runs, "metrics:acc");
    expect(acc.position(runs[2] as ChartRun)).toBeNull();
    expect(acc.domain).toEqual([0.5, 0.9]);
  });

  it("makes text params categories, ticked by name", () => {
    const model = axisOf(runs, "params:model");
    expect(model.ticks).toEqual([0, 1]);
    expect(model.tick(0)).toBe("logreg");
    expect(runs.map((r) => model.normalised(r))).toEqual([1, 0, null]);
  });
});
