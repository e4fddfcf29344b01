import { describe, expect, it } from "vitest";
import { csvHead, mlmodelFlavors, previewKind } from "./preview-kind";

describe("previewKind", () => {
  it("picks a preview from the file name", () => {
    expect(["MLmodel", "loss.PNG", "sample.csv", "conda.yaml", "model.pkl", "README"].map(previewKind)).toEqual([
      "mlmodel",
      "image",
      "csv",
      "text",
      "none",
      "none",
    ]);
  });
});

describe("csvHead", () => {
  it("splits rows and keeps quoted separators", () => {
    expect(csvHead('a,b\n1,"x, y"\n2,"say ""hi"""\n3,z\n', ",", 3)).toEqual([
      ["a", "b"],
      ["1", "x, y"],
      ["2", 'say "hi"'],
    ]);
  });
});

describe("mlmodelFlavors", () => {
  it("reads the top-level flavor names", () => {
    const yaml =
      "artifact_path: model\nflavors:\n  python_function:\n    env: conda.yaml\n  sklearn:\n    pickled_model: model.pkl\nmlflow_version: 3.1.0\n";
    expect(mlmodelFlavors(yaml)).toEqual(["python_function", "sklearn"]);
  });
});
