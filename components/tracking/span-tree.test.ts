import { describe, expect, it } from "vitest";
import { spanTree } from "./span-tree";

describe("spanTree", () => {
  it("puts children under their parent in start order and places the bars relative to the trace", () => {
    const ns = (ms: number) => (1_700_000_000_000 + ms) * 1e6;
    const nodes = spanTree([
      { span_id: "c2", parent_span_id: "r", name: "second", start_time_unix_nano: ns(60), end_time_unix_nano: ns(100) },
      {
        span_id: "r",
        parent_span_id: "",
        name: "root",
        start_time_unix_nano: ns(0),
        end_time_unix_nano: ns(100),
        attributes: { "mlflow.spanType": '"CHAIN"', "mlflow.spanInputs": '{"q": 1}' },
      },
      {
        span_id: "c1",
        parent_span_id: "r",
        name: "first",
        start_time_unix_nano: ns(10),
        end_time_unix_nano: ns(50),
        status: { code: "STATUS_CODE_ERROR" },
      },
    ]);
    expect(nodes.map((n) => [n.name, n.depth])).toEqual([
      ["root", 0],
      ["first", 1],
      ["second", 1],
    ]);
    expect(nodes[0]).toMatchObject({ type: "CHAIN", inputs: { q: 1 }, offsetPct: 0, widthPct: 100 });
    expect(nodes[1]).toMatchObject({ status: "ERROR", durationMs: 40 });
    expect(nodes[1]?.offsetPct).toBeCloseTo(10);
    expect(nodes[2]?.widthPct).toBeCloseTo(40);
  });

  it("shows a span whose parent is missing at the top, and an unfinished span without a bar", () => {
    const nodes = spanTree([
      { span_id: "x", parent_span_id: "gone", name: "orphan", start_time_unix_nano: 5e15, end_time_unix_nano: null },
    ]);
    expect(nodes).toEqual([expect.objectContaining({ name: "orphan", depth: 0, durationMs: null, widthPct: 0 })]);
  });
});
