import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
const bob = principal("bob");
let seq = 0;

/** What an MLflow 2.x client's `log_model` sends (mlflow/store/tracking/rest_store.py `record_logged_model`: `model.to_json()`). */
const mlmodel = (runId: string, path: string, extra: Json = {}) => ({
  artifact_path: path,
  flavors: {
    python_function: { loader_module: "mlflow.sklearn", env: { conda: "conda.yaml" }, config: { k: 1 } },
    sklearn: { pickled_model: "model.pkl", sklearn_version: "1.4.2" },
  },
  run_id: runId,
  utc_time_created: "2025-01-02 03:04:05.678901",
  model_uuid: "4c1d1e7d3f6e4a0a9a3c0c2b1e9f8d7c",
  mlflow_version: "2.12.1",
  signature: { inputs: "[]" },
  ...extra,
});

for (const kind of DB_KINDS) {
  describe(`runs/log-model (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}, who = alice) => call("POST", path, body, who);

    async function newRun(): Promise<string> {
      const exp = String((await ok(post("experiments/create", { name: `log-model-${kind}-${++seq}` }))).experiment_id);
      return ((await ok(post("runs/create", { experiment_id: exp }))).run as { info: { run_id: string } }).info.run_id;
    }
    const history = async (runId: string) => {
      const run = (await ok(call("GET", "runs/get", { run_id: runId }, alice))).run as {
        data: { tags?: { key: string; value: string }[] };
      };
      return run.data.tags?.find((t) => t.key === "mlflow.log-model.history")?.value;
    };

    // mlflow/server/handlers.py `_log_model`, mlflow/store/tracking/sqlalchemy_store.py `record_logged_model`,
    // mlflow/models/model.py `Model.get_tags_dict`.
    it("appends the model's summary to mlflow.log-model.history as MLflow's store writes it", async () => {
      const id = await newRun();
      expect(await ok(post("runs/log-model", { run_id: id, model_json: JSON.stringify(mlmodel(id, "model")) }))).toEqual({});
      const first =
        `[{"run_id": "${id}", "artifact_path": "model", "utc_time_created": "2025-01-02 03:04:05.678901", ` +
        `"model_uuid": "4c1d1e7d3f6e4a0a9a3c0c2b1e9f8d7c", "flavors": {"python_function": {"loader_module": "mlflow.sklearn", ` +
        `"env": {"conda": "conda.yaml"}}, "sklearn": {"pickled_model": "model.pkl", "sklearn_version": "1.4.2"}}}]`;
      expect(await history(id)).toBe(first);
      await ok(post("runs/log-model", { run_id: id, model_json: JSON.stringify(mlmodel(id, "second", { model_uuid: undefined })) }));
      const both = JSON.parse((await history(id)) ?? "[]") as Json[];
      expect(both.map((m) => m.artifact_path)).toEqual(["model", "second"]);
      // A model without a uuid gets one, as Model() gives it.
      expect(both[1]?.model_uuid).toMatch(/^[0-9a-f]{32}$/);
    });

    it("refuses malformed model JSON, missing fields, a stranger and a deleted run with MLflow's answers", async () => {
      const id = await newRun();
      await fails(
        post("runs/log-model", { run_id: id, model_json: "{not json" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Malformed model info. \n {not json \n is not a valid JSON.",
      );
      await fails(
        post("runs/log-model", { run_id: id, model_json: JSON.stringify({ artifact_path: "m", utc_time_created: "t" }) }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Model json is missing mandatory fields: {'flavors', 'run_id'}",
      );
      await fails(post("runs/log-model", { run_id: id }), 400, "INVALID_PARAMETER_VALUE", "'model_json'");
      await fails(post("runs/log-model", { run_id: id, model_json: JSON.stringify(mlmodel(id, "m")) }, bob), 403, "PERMISSION_DENIED");
      await fails(
        post("runs/log-model", { run_id: "0123456789abcdef0123456789abcdef", model_json: JSON.stringify(mlmodel(id, "m")) }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );
      await ok(post("runs/delete", { run_id: id }));
      await fails(
        post("runs/log-model", { run_id: id, model_json: JSON.stringify(mlmodel(id, "m")) }),
        400,
        "INVALID_PARAMETER_VALUE",
        "must be in the 'active' state",
      );
      expect(await history(id)).toBeUndefined();
    });

    it("refuses a history longer than a tag may hold and keeps the one there", async () => {
      const id = await newRun();
      const big = (n: number) => JSON.stringify(mlmodel(id, `m${n}`, { flavors: { f: { blob: "x".repeat(3000) } } }));
      await ok(post("runs/log-model", { run_id: id, model_json: big(1) }));
      await ok(post("runs/log-model", { run_id: id, model_json: big(2) }));
      await fails(post("runs/log-model", { run_id: id, model_json: big(3) }), 400, "INVALID_PARAMETER_VALUE", "more than the 8000");
      expect((JSON.parse((await history(id)) ?? "[]") as Json[]).length).toBe(2);
    });
  });
}
