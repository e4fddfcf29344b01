import { describe, expect, it } from "vitest";
import { createEndpointSchema } from "@/lib/serving/schemas";
import { defaultEndpointName, deployBody } from "./deploy-body";
import { EXAMPLE_BODY } from "@/lib/serving/example-body";
import { curlSnippet, mlflowSnippet, pythonLiteral, requestsSnippet } from "./snippets";

const fields = {
  name: "churn-2",
  model: "churn",
  choice: "v:2",
  environment: "",
  size: "Small" as const,
  cpu: "1",
  memGb: "2",
  min: 1,
  max: 2,
  scaleToZero: false,
};

describe("the Deploy form's body", () => {
  it("is what the serving-endpoints API accepts, for a version and for an alias it follows", () => {
    expect(createEndpointSchema.parse(deployBody(fields))).toEqual({
      name: "churn-2",
      config: {
        served_entities: [
          {
            entity_name: "churn",
            entity_version: "2",
            workload_size: "Small",
            scale_to_zero_enabled: false,
            min_replicas: 1,
            max_replicas: 2,
          },
        ],
      },
    });
    const alias = createEndpointSchema.parse(
      deployBody({ ...fields, choice: "a:champion", size: "Custom", cpu: "1.5", memGb: "3", environment: "python" }),
    );
    expect(alias.config.served_entities[0]).toMatchObject({ entity_alias: "champion", cpu: 1.5, memory_gb: 3, environment: "python" });
    expect(alias.config.served_entities[0]?.entity_version).toBeUndefined();
  });
  it("scale to zero sends min_replicas 0 whatever the field said", () => {
    expect(deployBody({ ...fields, scaleToZero: true, min: 3 }).config.served_entities[0]).toMatchObject({
      scale_to_zero_enabled: true,
      min_replicas: 0,
    });
  });
  it("names the endpoint after the model and what it serves, within the name rule", () => {
    expect(defaultEndpointName("churn model.v1", "a:champion")).toBe("churn-model-v1-champion");
    expect(defaultEndpointName("x".repeat(80), "v:1")).toHaveLength(63);
  });
});

describe("the snippets", () => {
  it("read the token from ATRIUM_TOKEN and quote the body for the shell", () => {
    const curl = curlSnippet("https://atrium.example.com/serving-endpoints/churn/invocations", { inputs: ["it's"] });
    expect(curl).toContain('-H "Authorization: Bearer $ATRIUM_TOKEN"');
    expect(curl).toContain(`-d '{"inputs":["it'\\''s"]}'`);
    expect(requestsSnippet("https://a/serving-endpoints/churn/invocations")).toContain(`json=${pythonLiteral(EXAMPLE_BODY)}`);
    expect(mlflowSnippet("https://a", "churn")).toContain('client.predict(endpoint="churn"');
  });
  it("write the body as a Python literal in the Python snippets: a model's example may hold true, false and null", () => {
    const body = { dataframe_records: [{ "it's": true, b: false, c: null, d: [1.5, "x"] }] };
    const literal = '{"dataframe_records": [{"it\'s": True, "b": False, "c": None, "d": [1.5, "x"]}]}';
    expect(pythonLiteral(body)).toBe(literal);
    expect(requestsSnippet("https://a/x", body)).toContain(`json=${literal},`);
    expect(mlflowSnippet("https://a", "churn", body)).toContain(`inputs=${literal}))`);
  });
});
