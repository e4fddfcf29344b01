import { describe, expect, it } from "vitest";
import { modelLoadUri } from "./load-uri";

describe("modelLoadUri", () => {
  it("names a run's model folder, at any depth, and a logged model by its id", () => {
    expect(modelLoadUri("1/abc/artifacts/model/MLmodel")).toBe("runs:/abc/model");
    expect(modelLoadUri("1/abc/artifacts/checkpoints/best/MLmodel")).toBe("runs:/abc/checkpoints/best");
    expect(modelLoadUri("1/abc/artifacts/MLmodel")).toBe("runs:/abc");
    expect(modelLoadUri("3/models/m-42/artifacts/MLmodel")).toBe("models:/m-42");
  });

  it("has nothing to say for other files and layouts", () => {
    expect(modelLoadUri("1/abc/artifacts/model/conda.yaml")).toBeNull();
    expect(modelLoadUri("MLmodel")).toBeNull();
    expect(modelLoadUri("1/abc/other/MLmodel")).toBeNull();
  });
});
