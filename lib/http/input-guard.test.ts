import { describe, expect, it } from "vitest";
import { findInputProblem, findInputProblemInJson, MAX_JSON_DEPTH } from "./input-guard";

/** findInputProblemInJson must answer exactly as the walk over the parsed value does. */
const bothOf = (text: string) => {
  const value: unknown = JSON.parse(text);
  return [findInputProblemInJson(text, value), findInputProblem(value)];
};

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("findInputProblemInJson", () => {
  it("finds what the walk finds: NUL in a value or a field name, at any place", () => {
    for (const text of [
      '{"a": "x\\u0000y"}',
      '{"tags": [{"key": "k", "value": "\\u0000"}]}',
      '{"a\\u0000": 1}',
      '[1, 2, {"deep": [["\\u0000"]]}]',
    ]) {
      const [fast, walk] = bothOf(text);
      expect(walk).toBeDefined();
      expect(fast).toStrictEqual(walk);
    }
  });

  it("finds nesting deeper than the cap, and not brackets inside strings", () => {
    const [deep, deepWalk] = bothOf(nested(MAX_JSON_DEPTH + 1));
    expect(deepWalk).toMatchObject({ kind: "depth" });
    expect(deep).toStrictEqual(deepWalk);
    expect(bothOf(nested(MAX_JSON_DEPTH))).toStrictEqual([undefined, undefined]);
    const brackets = JSON.stringify({ s: "[".repeat(200) + '\\"{' + "{".repeat(200) });
    expect(bothOf(brackets)).toStrictEqual([undefined, undefined]);
  });

  it("passes clean bodies, including an escaped backslash before u0000 (no NUL: the walk confirms)", () => {
    const batch = JSON.stringify({
      run_id: "r",
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: i, timestamp: i })),
    });
    expect(bothOf(batch)).toStrictEqual([undefined, undefined]);
    expect(bothOf('{"path": "C:\\\\u0000dir"}')).toStrictEqual([undefined, undefined]);
    expect(bothOf("{}")).toStrictEqual([undefined, undefined]);
  });
});
