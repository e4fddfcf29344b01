import { describe, expect, it } from "vitest";
import { alignByKey, parseRunList } from "./compare";
import { duration, elapsedTick, metricValue, runDuration, searchIdentifier } from "./format";

describe("experiment page formatting", () => {
  it("says durations the way a person would", () => {
    expect(duration(950)).toBe("950 ms");
    expect(duration(1500)).toBe("1.5 s");
    expect(duration(12_300)).toBe("12 s");
    expect(duration(125_000)).toBe("2 min 5 s");
    expect(duration(180_000)).toBe("3 min");
    expect(duration(7_380_000)).toBe("2 h 3 min");
    expect(duration(-1)).toBe("—");
    expect(duration(3 * 86_400_000 + 5_000_000)).toBe("3 days");
    expect(runDuration({ start_time: 1000, end_time: 3000, status: "FINISHED" })).toBe("2 s");
    expect(runDuration({ start_time: 1000, status: "RUNNING" }, 61_000)).toBe("1 min so far");
    expect(runDuration({ start_time: 1000, status: "KILLED" })).toBe("—");
  });

  it("labels elapsed-time ticks briefly", () => {
    expect(elapsedTick(0)).toBe("0");
    expect(elapsedTick(45)).toBe("45 s");
    expect(elapsedTick(550)).toBe("9.2 min");
    expect(elapsedTick(9000)).toBe("2.5 h");
  });

  it("shows metric values with 4 significant digits and spells out NaN and infinities", () => {
    expect(metricValue(0.912345)).toBe("0.9123");
    expect(metricValue(42)).toBe("42");
    expect(metricValue(1234.5678)).toBe("1235");
    expect(metricValue(0.00001234)).toBe("1.234e-5");
    expect(metricValue("NaN")).toBe("NaN");
    expect(metricValue("Infinity")).toBe("∞");
    expect(metricValue("-Infinity")).toBe("−∞");
  });

  it("quotes keys the filter grammar cannot read bare", () => {
    expect(searchIdentifier("metrics", "acc")).toBe("metrics.acc");
    expect(searchIdentifier("tags", "mlflow.user")).toBe("tags.`mlflow.user`");
    expect(searchIdentifier("params", "learning rate")).toBe("params.`learning rate`");
  });
});

describe("comparing runs", () => {
  it("lines values up per key and marks the keys whose values differ", () => {
    const rows = alignByKey([
      [
        { key: "lr", value: "0.1" },
        { key: "depth", value: "3" },
      ],
      [
        { key: "lr", value: "0.2" },
        { key: "depth", value: "3" },
      ],
      [{ key: "depth", value: "3" }],
    ]);
    expect(rows).toEqual([
      { key: "depth", values: ["3", "3", "3"], differs: false },
      { key: "lr", values: ["0.1", "0.2", undefined], differs: true },
    ]);
  });

  it("reads ?runs= as unique ids, at most ten", () => {
    expect(parseRunList("a, b,,a,c")).toEqual(["a", "b", "c"]);
    expect(parseRunList(["a,b", "c"])).toEqual(["a", "b", "c"]);
    expect(parseRunList(undefined)).toEqual([]);
    expect(parseRunList(Array.from({ length: 12 }, (_, i) => `r${i}`).join(","))).toHaveLength(10);
  });
});

describe("chart series", () => {
  it("thins long histories evenly, keeping the first and last point", async () => {
    const { thin } = await import("./metric-series");
    const pts = Array.from({ length: 10_001 }, (_, i) => i);
    const out = thin(pts, 1000);
    expect(out).toHaveLength(1000);
    expect(out[0]).toBe(0);
    expect(out[999]).toBe(10_000);
    expect(thin([1, 2, 3], 1000)).toEqual([1, 2, 3]);
  });

  it("groups bulk rows by run in the order asked, sorted by step, dropping values a chart cannot draw", async () => {
    const { groupByRun } = await import("./metric-series");
    const rows = [
      { key: "loss", value: 0.5, timestamp: 20, step: 2, run_id: "b" },
      { key: "loss", value: 0.9, timestamp: 10, step: 1, run_id: "b" },
      { key: "loss", value: "NaN", timestamp: 30, step: 3, run_id: "b" },
      { key: "loss", value: 0.7, timestamp: 10, step: 1, run_id: "a" },
      { key: "loss", value: 1, timestamp: 10, step: 1, run_id: "elsewhere" },
    ];
    expect(groupByRun(["a", "b"], rows)).toEqual([
      { runId: "a", points: [{ step: 1, timestamp: 10, value: 0.7 }] },
      {
        runId: "b",
        points: [
          { step: 1, timestamp: 10, value: 0.9 },
          { step: 2, timestamp: 20, value: 0.5 },
        ],
      },
    ]);
  });
});
