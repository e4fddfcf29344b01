/** The endpoint page's example body read from the served version's files in a real artifact store (served-example.ts). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { putFile } from "@/lib/artifacts/store";
import { createEndpoint } from "./endpoints";
import { servedExample } from "./served-example";
import { parseWith } from "@/lib/http/parse";
import { createEndpointSchema } from "./schemas";
import { seedServing } from "./testing";

const MLMODEL = `artifact_path: model
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "string", "name":
    "plan", "required": true}]'
  outputs: null
`;

describe("the example body from the served model version's files (served-example.ts)", () => {
  const db = useTestDatabase("pglite");
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the input example, else the signature, and gives the placeholder for a file over the byte cap", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "served-example-"));
    const store = new LocalArtifactStore(dir);
    const put = (key: string, text: string) =>
      putFile(
        store,
        key,
        (async function* () {
          yield Buffer.from(text);
        })(),
      );
    const people = await seedServing(db());
    await createEndpoint(
      db(),
      people.alice,
      parseWith(createEndpointSchema, { name: "churn", config: { served_entities: [{ entity_name: "churn", entity_version: "1" }] } }),
    );
    // No files at all: the placeholder with its sentence, and no error.
    expect((await servedExample(db(), store, people.bob, "churn")).source).toBe("placeholder");

    await put("1/r1/artifacts/model/MLmodel", MLMODEL);
    expect(await servedExample(db(), store, people.bob, "churn")).toEqual({
      body: { dataframe_split: { columns: ["age", "plan"], data: [[0.5, "text"]] } },
      source: "signature",
    });
    await put(
      "1/r1/artifacts/model/input_example.json",
      JSON.stringify({
        columns: ["age", "plan"],
        data: [
          [41, "pro"],
          [22, "free"],
        ],
      }),
    );
    expect((await servedExample(db(), store, people.bob, "churn")).body).toEqual({
      dataframe_split: { columns: ["age", "plan"], data: [[41, "pro"]] },
    });
    // An MLmodel past 64 KiB is not read.
    await put("1/r1/artifacts/model/MLmodel", `${MLMODEL}# ${"x".repeat(64 * 1024)}\n`);
    expect((await servedExample(db(), store, people.bob, "churn")).source).toBe("placeholder");
    // No such endpoint: the placeholder.
    expect((await servedExample(db(), store, people.bob, "nothing")).source).toBe("placeholder");
  }, 120_000);
});
