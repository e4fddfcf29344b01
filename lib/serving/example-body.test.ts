import { describe, expect, it } from "vitest";
import {
  bodyFromSignature,
  EXAMPLE_BODY,
  exampleBodyOf,
  inputExampleFiles,
  MAX_EXAMPLE_CHARS,
  mlmodelValue,
  NO_SIGNATURE_NOTE,
} from "./example-body";

// Exactly what yaml.safe_dump(default_flow_style=False) writes for an MLmodel (mlflow/models/model.py Model.to_yaml):
// the signature's JSON is a single-quoted scalar folded over several lines.
const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
mlflow_version: 2.19.0
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type":
    "double", "name": "sepal_width", "required": true}, {"type": "double", "name":
    "petal_length", "required": true}, {"type": "double", "name": "petal_width", "required":
    true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
`;
const WITHOUT_EXAMPLE = MLMODEL.replace(/saved_input_example_info:\n( {2}.*\n)+/, "");
const COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

describe("reading an MLmodel as yaml.safe_dump writes it (example-body.ts)", () => {
  it("unfolds a single-quoted scalar over several lines, and reads plain and null values", () => {
    const inputs = mlmodelValue(MLMODEL, "signature", "inputs");
    expect(JSON.parse(inputs ?? "")).toEqual(COLUMNS.map((name) => ({ type: "double", name, required: true })));
    expect(mlmodelValue(MLMODEL, "signature", "params")).toBeUndefined();
    expect(mlmodelValue(MLMODEL, "saved_input_example_info", "type")).toBe("dataframe");
    expect(mlmodelValue(MLMODEL, "flavors", "model_path")).toBeUndefined();
    expect(mlmodelValue(MLMODEL, "nothing", "inputs")).toBeUndefined();
  });

  it("undoes '' inside single quotes and reads double-quoted escapes", () => {
    const text = `signature:
  inputs: '[{"type": "string", "name": "it''s a \\"name\\"", "required": true}, {"type":
    "boolean", "name": "flag"}, {"type": "long", "name": "n"}]'
  outputs: "a\\tb"
`;
    expect(JSON.parse(mlmodelValue(text, "signature", "inputs") ?? "")).toEqual([
      { type: "string", name: 'it\'s a "name"', required: true },
      { type: "boolean", name: "flag" },
      { type: "long", name: "n" },
    ]);
    expect(mlmodelValue(text, "signature", "outputs")).toBe("a\tb");
  });

  it("names the example files, the serving form first, and nothing that is a path elsewhere", () => {
    expect(inputExampleFiles(MLMODEL)).toEqual({
      paths: ["serving_input_example.json", "input_example.json"],
      type: "dataframe",
      pandasOrient: "split",
    });
    expect(inputExampleFiles("saved_input_example_info:\n  artifact_path: ../../secret.json\n").paths).toEqual([]);
  });
});

describe("the example body (example-body.ts)", () => {
  it("makes one dataframe_split row of the signature's columns, a value of each column's type", () => {
    expect(exampleBodyOf(WITHOUT_EXAMPLE)).toEqual({
      body: { dataframe_split: { columns: COLUMNS, data: [[0.5, 0.5, 0.5, 0.5]] } },
      source: "signature",
    });
    expect(
      bodyFromSignature(
        JSON.stringify([
          { type: "long", name: "n" },
          { type: "string", name: "s" },
          { type: "boolean", name: "b" },
          { type: "datetime", name: "t" },
        ]),
      ),
    ).toEqual({ dataframe_split: { columns: ["n", "s", "b", "t"], data: [[1, "text", false, "2026-01-01T00:00:00"]] } });
  });

  it("uses MLflow's inputs form for a tensor signature", () => {
    expect(bodyFromSignature('[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]')).toEqual({
      inputs: [[0.5, 0.5, 0.5]],
    });
    expect(bodyFromSignature('[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}]')).toBeUndefined();
  });

  it("prefers the logged input example, its first row only, in the serving form or from input_example.json", () => {
    const serving = JSON.stringify({
      dataframe_split: {
        columns: COLUMNS,
        data: [
          [5.1, 3.5, 1.4, 0.2],
          [6.2, 2.9, 4.3, 1.3],
        ],
      },
    });
    expect(exampleBodyOf(MLMODEL, [serving])).toEqual({
      body: { dataframe_split: { columns: COLUMNS, data: [[5.1, 3.5, 1.4, 0.2]] } },
      source: "input_example",
    });
    const split = JSON.stringify({
      columns: COLUMNS,
      data: [
        [7.7, 3.0, 6.1, 2.3],
        [1, 2, 3, 4],
      ],
    });
    expect(exampleBodyOf(MLMODEL, [split]).body).toEqual({ dataframe_split: { columns: COLUMNS, data: [[7.7, 3.0, 6.1, 2.3]] } });
    const records = MLMODEL.replace("pandas_orient: split", "pandas_orient: records");
    expect(exampleBodyOf(records, [JSON.stringify([{ a: 1 }, { a: 2 }])]).body).toEqual({ dataframe_records: [{ a: 1 }] });
  });

  it("falls back to the signature when the example is not JSON or too large, and to the placeholder with a sentence without either", () => {
    expect(exampleBodyOf(MLMODEL, ["not json"]).source).toBe("signature");
    const huge = JSON.stringify({ inputs: ["x".repeat(MAX_EXAMPLE_CHARS)] });
    expect(exampleBodyOf(MLMODEL, [huge]).source).toBe("signature");
    expect(exampleBodyOf("artifact_path: model\nflavors: {}\n")).toEqual({
      body: EXAMPLE_BODY,
      source: "placeholder",
      note: NO_SIGNATURE_NOTE,
    });
    expect(exampleBodyOf("signature:\n  inputs: 'not json'\n").source).toBe("placeholder");
  });
});
