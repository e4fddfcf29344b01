import { describe, expect, it } from "vitest";
import { binsOf, driftLevel, driftReport, parseInputs, parsePredictions, psi } from "./drift";

const obj = (cols: Map<string, unknown[]> | null) => (cols ? Object.fromEntries(cols) : null);

describe("parseInputs reads MLflow's four JSON input forms", () => {
  it("dataframe_split, with and without column names", () => {
    expect(
      obj(
        parseInputs(
          JSON.stringify({
            dataframe_split: {
              columns: ["age", "plan"],
              data: [
                [31, "pro"],
                [45, "free"],
              ],
            },
          }),
        ),
      ),
    ).toEqual({
      age: [31, 45],
      plan: ["pro", "free"],
    });
    expect(obj(parseInputs(JSON.stringify({ dataframe_split: { data: [[1, 2]] } })))).toEqual({ "0": [1], "1": [2] });
  });
  it("dataframe_records", () => {
    expect(obj(parseInputs(JSON.stringify({ dataframe_records: [{ age: 31, vip: true }, { age: 45 }] })))).toEqual({
      age: [31, 45],
      vip: ["true"],
    });
  });
  it("instances and inputs as records, rows, scalars or columns", () => {
    expect(obj(parseInputs(JSON.stringify({ instances: [{ a: 1 }, { a: 2 }] })))).toEqual({ a: [1, 2] });
    expect(
      obj(
        parseInputs(
          JSON.stringify({
            instances: [
              [1, 2],
              [3, 4],
            ],
          }),
        ),
      ),
    ).toEqual({ "0": [1, 3], "1": [2, 4] });
    expect(obj(parseInputs(JSON.stringify({ inputs: [5, 6] })))).toEqual({ "0": [5, 6] });
    expect(obj(parseInputs(JSON.stringify({ inputs: { a: [1, 2], b: "x" }, params: { k: 1 } })))).toEqual({ a: [1, 2], b: ["x"] });
  });
  it("refuses what is not one of those forms instead of guessing", () => {
    expect(parseInputs("age,plan\n31,pro")).toBeNull();
    expect(parseInputs('{"dataframe_split": {"columns": ["a"], "data": [[1]')).toBeNull(); // cut by the sample's byte cap
    expect(parseInputs("[1,2]")).toBeNull();
    expect(parseInputs('{"messages": []}')).toBeNull();
    expect(parseInputs('{"dataframe_split": [1]}')).toBeNull();
  });
});

describe("parsePredictions", () => {
  it("reads numbers, labels, probability rows and records", () => {
    expect(parsePredictions('{"predictions": [0.1, 0.9]}')).toEqual([0.1, 0.9]);
    expect(parsePredictions('{"predictions": ["yes", "no"]}')).toEqual(["yes", "no"]);
    expect(parsePredictions('{"predictions": [[0.2, 0.8]]}')).toEqual([0.2]);
    expect(parsePredictions('{"predictions": [{"score": 3}]}')).toEqual([3]);
    expect(parsePredictions('{"predictions": {"score": [1, 2]}}')).toEqual([1, 2]);
    expect(parsePredictions("not json")).toBeNull();
  });
});

describe("population stability index", () => {
  const uniform = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / n);

  it("is about 0 for the same distribution and large for a shifted one", () => {
    const ref = uniform(1000, 0, 100);
    expect(psi(binsOf(ref, uniform(500, 0, 100)))).toBeLessThan(0.01);
    const shifted = psi(binsOf(ref, uniform(500, 50, 150)));
    expect(shifted).toBeGreaterThan(0.25);
    expect(driftLevel(shifted)).toBe("major");
  });

  it("matches the formula on hand-made bins", () => {
    // (0.6-0.5)ln(0.6/0.5) + (0.4-0.5)ln(0.4/0.5)
    const expected = 0.1 * Math.log(1.2) + -0.1 * Math.log(0.8);
    expect(
      psi([
        { label: "a", reference: 0.5, current: 0.6 },
        { label: "b", reference: 0.5, current: 0.4 },
      ]),
    ).toBeCloseTo(expected, 10);
    // A bin empty in one window is floored, not infinite.
    expect(Number.isFinite(psi([{ label: "a", reference: 1, current: 0 }]))).toBe(true);
  });

  it("bins labels by the reference's commonest values and puts the rest in other", () => {
    const bins = binsOf(["a", "a", "b"], ["a", "c", "c", "c"]);
    expect(bins.map((b) => b.label)).toEqual(["a", "b", "other"]);
    expect(bins.map((b) => b.current)).toEqual([0.25, 0, 0.75]);
  });

  it("numeric bins cover every value of both windows, each window's shares adding up to 1", () => {
    const bins = binsOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [-5, 0, 11, 100]);
    expect(bins.reduce((s, b) => s + b.reference, 0)).toBeCloseTo(1, 10);
    expect(bins.reduce((s, b) => s + b.current, 0)).toBeCloseTo(1, 10);
    expect(bins[0]?.label.startsWith("<")).toBe(true);
    expect(bins.at(-1)?.label.startsWith("≥")).toBe(true);
  });
});

describe("driftReport", () => {
  const body = (age: number, plan: string) => JSON.stringify({ dataframe_records: [{ age, plan }] });
  const answer = (p: number) => JSON.stringify({ predictions: [p] });

  it("ranks drifted columns first, compares predictions, and counts unreadable bodies", () => {
    const reference = Array.from({ length: 200 }, (_, i) => ({
      request: body(20 + (i % 40), i % 2 ? "pro" : "free"),
      response: answer(i % 10),
    }));
    const current = [
      ...Array.from({ length: 200 }, (_, i) => ({ request: body(60 + (i % 40), i % 2 ? "pro" : "free"), response: answer(5 + (i % 10)) })),
      { request: "a,b\n1,2", response: null },
      { request: null, response: null },
    ];
    const report = driftReport(reference, current);
    expect(report.reference).toEqual({ bodies: 200, unreadable: 0 });
    expect(report.current).toEqual({ bodies: 201, unreadable: 1 });
    expect(report.columns.map((c) => [c.column, c.kind, c.level])).toEqual([
      ["age", "numeric", "major"],
      ["plan", "categorical", "stable"],
    ]);
    expect(report.predictions?.level).toBe("major");
  });

  it("has nothing to compare without bodies in both windows", () => {
    expect(driftReport([], [{ request: body(1, "a"), response: answer(1) }])).toMatchObject({ columns: [], predictions: null });
  });
});
