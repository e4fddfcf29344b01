/**
 * MLflow 3 logged models, replaying the requests `mlflow.sklearn.log_model(..., name="model")` and
 * `mlflow.register_model("runs:/<run>/model", ...)` make (shapes from MLflow's service.proto), with the
 * model's files written through the real artifact service into a real store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { segmentsFromPath } from "@/lib/artifacts/paths";
import { downloadArtifact, listArtifacts, uploadArtifact } from "@/lib/artifacts/service";
import { ApiError } from "@/lib/http/api-error";
import { findLoggedModel, runOutputsOf } from "@/db/queries/logged-models";
import { listLoggedModelArtifacts } from "./artifacts";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("lm-alice");
const bob = principal("lm-bob");
const T0 = 1_750_000_000_000;
const MLMODEL = "artifact_path: model\nflavors:\n  sklearn:\n    pickled_model: model.pkl\nmodel_id: MODEL_ID\n";

async function* bytes(s: string | Buffer): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-logged-models-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const kind of DB_KINDS) {
  describe(`MLflow 3 logged models (${kind})`, () => {
    const db = useTestDatabase(kind);
    let clock = T0;
    const { call, ok, fails } = trackingClient(db);
    const store = new LocalArtifactStore(path.join(root, kind));
    const post = (p: string, body: Json = {}, who = alice) => call("POST", p, body, who);
    const get = (p: string, q: Json = {}, who = alice) => call("GET", p, q, who);
    const patch = (p: string, body: Json = {}, who = alice) => call("PATCH", p, body, who);
    const del = (p: string, body: Json = {}, who = alice) => call("DELETE", p, body, who);
    const segmentsOf = (uri: string, rel: string) => segmentsFromPath(`${uri.slice("mlflow-artifacts:/".length)}/${rel}`);

    async function experimentAndRun(): Promise<{ experimentId: string; runId: string }> {
      const exp = await ok(post("experiments/create", { name: `lm-${kind}-${++clock}` }));
      const run = await ok(post("runs/create", { experiment_id: exp.experiment_id, start_time: T0 }));
      return { experimentId: String(exp.experiment_id), runId: (run.run as { info: { run_id: string } }).info.run_id };
    }

    it("logs a model the way log_model does, and register_model('runs:/<run>/model') finds its files", async () => {
      const { experimentId, runId } = await experimentAndRun();
      // 1. CreateLoggedModel, as MlflowClient.create_logged_model sends it.
      const created = await ok(
        post("logged-models", {
          experiment_id: experimentId,
          name: "model",
          model_type: "sklearn",
          source_run_id: runId,
          params: [{ key: "alpha", value: "0.5" }],
          tags: [{ key: "mlflow.user", value: "lm-alice" }],
        }),
      );
      const model = created.model as { info: Json; data: Json };
      const modelId = String(model.info.model_id);
      expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
      const artifactUri = `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`;
      expect(model).toEqual({
        info: {
          model_id: modelId,
          experiment_id: experimentId,
          name: "model",
          creation_timestamp_ms: model.info.creation_timestamp_ms,
          last_updated_timestamp_ms: model.info.creation_timestamp_ms,
          artifact_uri: artifactUri,
          status: "LOGGED_MODEL_PENDING",
          model_type: "sklearn",
          source_run_id: runId,
          tags: [{ key: "mlflow.user", value: "lm-alice" }],
        },
        data: { params: [{ key: "alpha", value: "0.5" }] },
      });

      // 2. The flavor writes MLmodel and model.pkl to the model's own artifact folder (mlflow-artifacts PUT).
      const mlmodel = MLMODEL.replace("MODEL_ID", modelId);
      const asAlice = { db: db(), principal: alice, store };
      expect(await uploadArtifact(asAlice, segmentsOf(artifactUri, "MLmodel"), bytes(mlmodel))).toEqual({ size: mlmodel.length });
      expect(await uploadArtifact(asAlice, segmentsOf(artifactUri, "model.pkl"), bytes(Buffer.from([0x80, 0x04, 0x95, 0x2e])))).toEqual({
        size: 4,
      });

      // The run says it produced the model (LogOutputs); the client may send it twice.
      for (let i = 0; i < 2; i++)
        expect(await ok(post("runs/outputs", { run_id: runId, models: [{ model_id: modelId, step: "0" }] }))).toEqual({});
      expect(await runOutputsOf(db(), runId)).toEqual([{ modelId, step: 0 }]);
      await fails(
        post("runs/outputs", { run_id: runId, models: [{ model_id: modelId, step: 1 }] }, bob),
        403,
        "PERMISSION_DENIED",
        `Only lm-alice or an admin may write to run ${runId}.`,
      );
      const row = (await findLoggedModel(db(), modelId))!;
      expect(await listLoggedModelArtifacts({ db: db(), principal: bob, store }, { model_id: modelId }, row)).toEqual({
        root_uri: artifactUri,
        files: [
          { path: "MLmodel", is_dir: false, file_size: mlmodel.length },
          { path: "model.pkl", is_dir: false, file_size: 4 },
        ],
      });

      // 3. Tags and FinalizeLoggedModel (PATCH logged-models/<id> with the status).
      expect(await ok(patch(`logged-models/${modelId}/tags`, { tags: [{ key: "mlflow.source.name", value: "train.py" }] }))).toEqual({});
      const finalized = await ok(patch(`logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" }));
      expect((finalized.model as { info: Json }).info.status).toBe("LOGGED_MODEL_READY");

      // 4. register_model("runs:/<run>/model"): the client searches the run's logged models by name…
      const search = await ok(
        post("logged-models/search", {
          experiment_ids: [experimentId],
          filter: `source_run_id='${runId}' AND name='model'`,
          max_results: 2,
        }),
      );
      expect((search.models as { info: Json }[]).map((m) => m.info.model_id)).toEqual([modelId]);
      // …then creates the version; the server resolves the source to the logged model's files.
      await ok(post("registered-models/create", { name: `churn-${kind}` }));
      const mv = (await ok(post("model-versions/create", { name: `churn-${kind}`, source: `runs:/${runId}/model`, run_id: runId })))
        .model_version as Json;
      expect(mv.version).toBe("1");
      expect(mv.source).toBe(artifactUri);
      expect(mv.run_id).toBe(runId);

      // The version points at the files, and the registry lists it.
      const uri = await ok(get("model-versions/get-download-uri", { name: `churn-${kind}`, version: "1" }));
      expect(uri).toEqual({ artifact_uri: artifactUri });
      const asBob = { db: db(), principal: bob, store };
      expect(await listArtifacts(asBob, segmentsFromPath(artifactUri.slice("mlflow-artifacts:/".length)))).toEqual({
        files: [
          { path: "MLmodel", is_dir: false, file_size: mlmodel.length },
          { path: "model.pkl", is_dir: false, file_size: 4 },
        ],
      });
      const { file } = await downloadArtifact(asBob, segmentsOf(artifactUri, "MLmodel"));
      expect(await new Response(file.stream).text()).toBe(mlmodel);
      const latest = await ok(get("registered-models/get", { name: `churn-${kind}` }));
      expect((latest.registered_model as { latest_versions: Json[] }).latest_versions.map((v) => [v.version, v.source])).toEqual([
        ["1", artifactUri],
      ]);

      // The logged model now says where it is registered, and keeps its other tags.
      const after = (await ok(get(`logged-models/${modelId}`))).model as { info: Json };
      expect(after.info.tags).toEqual([
        // json.dumps of the list, the version a number (mlflow/tracking/_model_registry/fluent.py _register_model).
        { key: "mlflow.modelVersions", value: `[{"name": "churn-${kind}", "version": 1}]` },
        { key: "mlflow.source.name", value: "train.py" },
        { key: "mlflow.user", value: "lm-alice" },
      ]);
    });

    it("registers `models:/<model_id>` and an explicit model_id to the same files", async () => {
      const { experimentId } = await experimentAndRun();
      const created = await ok(post("logged-models", { experiment_id: experimentId }));
      const info = (created.model as { info: Json }).info;
      expect(String(info.name)).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      expect(info.source_run_id).toBeUndefined();
      const name = `by-id-${kind}`;
      await ok(post("registered-models/create", { name }));
      const v1 = (await ok(post("model-versions/create", { name, source: `models:/${String(info.model_id)}` }))).model_version as Json;
      const v2 = (await ok(post("model-versions/create", { name, source: "ignored-when-model-id-is-given", model_id: info.model_id })))
        .model_version as Json;
      expect([v1.source, v2.source]).toEqual([info.artifact_uri, info.artifact_uri]);
      await fails(
        post("model-versions/create", { name, source: "models:/m-00000000000000000000000000000000" }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Logged model with ID 'm-00000000000000000000000000000000' not found.",
      );
    });

    it("searches by experiment with order_by and pages, and refuses filters it cannot answer", async () => {
      const { experimentId } = await experimentAndRun();
      const ids: string[] = [];
      for (const name of ["b", "a", "c"])
        ids.push(String(((await ok(post("logged-models", { experiment_id: experimentId, name }))).model as { info: Json }).info.model_id));
      const byName = await ok(
        post("logged-models/search", {
          experiment_ids: [experimentId],
          order_by: [{ field_name: "name", ascending: true }],
          max_results: 2,
        }),
      );
      expect((byName.models as { info: Json }[]).map((m) => m.info.name)).toEqual(["a", "b"]);
      expect(typeof byName.next_page_token).toBe("string");
      const rest = await ok(
        post("logged-models/search", {
          experiment_ids: [experimentId],
          order_by: [{ field_name: "name", ascending: true }],
          max_results: 2,
          page_token: byName.next_page_token,
        }),
      );
      expect((rest.models as { info: Json }[]).map((m) => m.info.name)).toEqual(["c"]);
      expect(rest.next_page_token).toBeUndefined();
      expect(await ok(post("logged-models/search", { experiment_ids: [experimentId], filter: "name = 'nope'" }))).toEqual({});
      await fails(
        post("logged-models/search", { experiment_ids: [experimentId], filter: "metrics.acc > 'high'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid logged model filter clause 'metrics.acc > 'high'': a metric is compared with a number",
      );
      await fails(
        post("logged-models/search", { experiment_ids: [experimentId], filter: "params.alpha > '1'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "use one of =, !=, LIKE, ILIKE",
      );
      await fails(post("logged-models/search", {}), 400, "INVALID_PARAMETER_VALUE", "experiment_ids");
    });

    it("lets only the creator change a model or its files; deletes tags and models", async () => {
      const { experimentId } = await experimentAndRun();
      const info = (
        (await ok(post("logged-models", { experiment_id: experimentId, name: "m", tags: [{ key: "k", value: "v" }] }))).model as {
          info: Json;
        }
      ).info;
      const id = String(info.model_id);
      await fails(
        patch(`logged-models/${id}`, { status: "LOGGED_MODEL_READY" }, bob),
        403,
        "PERMISSION_DENIED",
        `Only lm-alice or an admin may change logged model ${id}.`,
      );
      await fails(patch(`logged-models/${id}/tags`, { tags: [{ key: "x", value: "y" }] }, bob), 403, "PERMISSION_DENIED");
      const upload = uploadArtifact({ db: db(), principal: bob, store }, segmentsOf(String(info.artifact_uri), "MLmodel"), bytes("x"));
      await expect(upload).rejects.toBeInstanceOf(ApiError);
      await expect(upload).rejects.toMatchObject({
        status: 403,
        message: `Only lm-alice or an admin may change the artifacts of logged model ${id}.`,
      });
      await fails(patch(`logged-models/${id}`, {}), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'status'");
      await fails(
        get("logged-models/m-ffffffffffffffffffffffffffffffff"),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Logged model with ID 'm-ffffffffffffffffffffffffffffffff' not found.",
      );
      await fails(
        post(`logged-models/${id}`),
        404,
        "ENDPOINT_NOT_FOUND",
        `POST is not supported for /2.0/mlflow/logged-models/${id}; use GET or PATCH or DELETE.`,
      );
      await fails(
        post("logged-models", { experiment_id: "999999" }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "No Experiment with id=999999 exists",
      );
      expect(await ok(del(`logged-models/${id}/tags/k`))).toEqual({});
      await fails(del(`logged-models/${id}/tags/k`), 404, "RESOURCE_DOES_NOT_EXIST", `No tag with key 'k' found for logged model ${id}.`);
      expect(await ok(del(`logged-models/${id}`))).toEqual({});
      await fails(get(`logged-models/${id}`), 404, "RESOURCE_DOES_NOT_EXIST");
    });
  });
}
