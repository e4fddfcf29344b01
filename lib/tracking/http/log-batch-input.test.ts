import { afterEach, describe, expect, it, vi } from "vitest";
import { TrackingError } from "../errors";
import { describeIssue, parseInput } from "./fields";
import { runs } from "./schemas";

/** What the zod schema alone answers: its output, or the sentence of its first issue (as parseInput words it). */
function bySchema(fields: Record<string, unknown>): unknown {
  const result = runs.logBatch.safeParse(fields, { reportInput: true });
  if (result.success) return { out: result.data };
  const first = result.error.issues[0];
  return { refused: first ? describeIssue(first) : "The request is invalid." };
}

function byParseInput(fields: Record<string, unknown>): unknown {
  try {
    return { out: parseInput(runs.logBatch, fields) };
  } catch (err) {
    if (err instanceof TrackingError) return { refused: err.message };
    throw err;
  }
}

const point = (i: number, extra: Record<string, unknown> = {}) => ({
  key: `m${i % 10}`,
  value: i / 7,
  timestamp: 1700000000000 + i,
  step: i,
  ...extra,
});
const batch = (metrics: unknown, rest: Record<string, unknown> = {}) => ({ run_id: "0123456789abcdef0123456789abcdef", metrics, ...rest });

afterEach(() => vi.restoreAllMocks());

describe("log-batch input", () => {
  it("reads a batch of plain points without zod, to exactly what zod makes of it", () => {
    const fields = batch(
      Array.from({ length: 1000 }, (_, i) => point(i)),
      { params: [{ key: "lr", value: "0.1" }], tags: [{ key: "t", value: "v" }] },
    );
    const expected = runs.logBatch.parse(fields);
    const zod = vi.spyOn(runs.logBatch, "safeParse");
    expect(parseInput(runs.logBatch, fields)).toStrictEqual(expected);
    expect(zod).not.toHaveBeenCalled();
  });

  it("answers every other batch as zod does, output or refusal sentence", () => {
    const cases: Record<string, unknown>[] = [
      batch([point(1), { key: "a", value: "NaN", timestamp: 1 }]),
      batch([point(1), { key: "a", value: "1.5", timestamp: "12", step: "3" }]),
      batch([point(1), { key: "a", value: true, timestamp: 1 }]),
      batch([point(1), { key: "a", value: 1, timestamp: -1 }]),
      batch([point(1), { key: "a", value: 1 }]),
      batch([point(1), { key: "", value: 1, timestamp: 1 }]),
      batch([point(1), { key: "a/../b", value: 1, timestamp: 1 }]),
      batch([point(1), { key: "bad*key", value: 1, timestamp: 1 }]),
      batch([point(1), { key: "a", value: 1, timestamp: 1.5 }]),
      batch([point(1), { key: "a", value: 1, timestamp: 1, step: 2.5 }]),
      batch([point(1), { key: "a", value: 1, timestamp: 1, model_id: "m-1", dataset_name: "d" }]),
      batch([point(1), { key: "a", value: 1, timestamp: 1, model_id: "" }]),
      batch([point(1), "not a point"]),
      batch([point(1), null]),
      batch("m1"),
      batch({ key: "a" }),
      batch([point(1)], { params: [{ key: "p" }] }),
      batch([point(1)], { tags: [{ key: 1, value: "v" }] }),
      batch([point(1)], { run_id: 5 }),
      batch([point(1), { key: "a", value: 1, timestamp: Number.MAX_SAFE_INTEGER + 2 }]),
      batch([point(1), { key: "a", value: 1, timestamp: 1, extra: "ignored" }]),
      { run_id: "0123456789abcdef0123456789abcdef" },
    ];
    for (const fields of cases) expect(byParseInput(fields), JSON.stringify(fields)).toStrictEqual(bySchema(fields));
  });
});
