/**
 * Issue 15 items 2–4, replayed as the MLflow 3 client sends them and checked against what it expects back.
 * Request shapes: mlflow/protos/service.proto (LogMetric, LogBatch, SearchLoggedModels, LogLoggedModelParamsRequest,
 * ListArtifacts), mlflow/store/tracking/rest_store.py and mlflow/tracking/_model_registry/fluent.py; answers:
 * mlflow/server/handlers.py and mlflow/store/{tracking,model_registry}/sqlalchemy_store.py.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { putFile } from "@/lib/artifacts/store";
import { MLFLOW_API_VERSION } from "./api-version";
import { appendToUriPath } from "./artifact-uri";
import { listRunArtifacts } from "./runs/artifacts";
import { principal, trackingClient, type Json } from "./testing";

const alice = principal("parity-alice");
const bob = principal("parity-bob");
const T0 = 1_760_000_000_000;

async function* bytes(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-parity-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the MLflow version the portal answers", () => {
  it("is the one constant, a 3.x release at least as new as workspaces and the server-info probe (3.10.0)", async () => {
    const { GET } = await import("@/app/version/route");
    const res = GET();
    expect(await res.text()).toBe(MLFLOW_API_VERSION);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(MLFLOW_API_VERSION).toMatch(/^3\.(\d+)\.\d+$/);
    expect(Number(MLFLOW_API_VERSION.split(".")[1])).toBeGreaterThanOrEqual(10);
  });
});

describe("append_to_uri_path", () => {
  it("keeps a query string and fragment after the path, and joins a plain path as one", () => {
    expect(appendToUriPath("s3://bucket/exp?region=eu", "r1", "artifacts")).toBe("s3://bucket/exp/r1/artifacts?region=eu");
    expect(appendToUriPath("mlflow-artifacts:/3/", "models", "m-1", "artifacts")).toBe("mlflow-artifacts:/3/models/m-1/artifacts");
    expect(appendToUriPath("/data/exp", "r1")).toBe("/data/exp/r1");
  });
});

for (const kind of DB_KINDS) {
  describe(`MLflow 3 parity (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (p: string, body: Json = {}, who = alice) => call("POST", p, body, who);
    const get = (p: string, q: Json = {}, who = alice) => call("GET", p, q, who);
    const patch = (p: string, body: Json = {}, who = alice) => call("PATCH", p, body, who);
    let seq = 0;
    const unique = (p: string) => `${p}-${kind}-${++seq}`;

    it("answers MLflow 3.10's workspace probe and workspace reads under /api/3.0/mlflow/ as its client parses them", async () => {
      // mlflow/store/workspace/rest_store.py and the server-info probe of its REST stores: GET, no body.
      const v3 = trackingClient(db, "/api/3.0/mlflow/");
      expect(await v3.ok(v3.call("GET", "server-info", {}, alice))).toEqual({
        store_type: "SqlStore",
        workspaces_enabled: true,
        trace_archival_enabled: false,
      });
      const listed = await v3.ok(v3.call("GET", "workspaces", {}, alice));
      expect((listed.workspaces as Json[])[0]).toEqual({ name: "default", description: "Your personal space" });
      expect(await v3.ok(v3.call("GET", "workspaces/default", {}, alice))).toEqual({
        workspace: { name: "default", description: "Your personal space" },
      });
      await v3.fails(v3.call("GET", "workspaces/nowhere", {}, alice), 404, "RESOURCE_DOES_NOT_EXIST", "Workspace 'nowhere' not found.");
      // server-info is MLflow 3's only: the 2.0 surface does not claim it.
      await fails(get("server-info"), 404, "ENDPOINT_NOT_FOUND");
    });

    async function experimentAndRun(extra: Json = {}): Promise<{ experimentId: string; runId: string; run: Json }> {
      const exp = await ok(post("experiments/create", { name: unique("parity"), ...extra }));
      const created = await ok(post("runs/create", { experiment_id: exp.experiment_id, start_time: T0 }));
      const run = created.run as { info: Json };
      return { experimentId: String(exp.experiment_id), runId: String(run.info.run_id), run: run.info };
    }
    async function loggedModel(experimentId: string, extra: Json = {}): Promise<string> {
      const body = await ok(post("logged-models", { experiment_id: experimentId, ...extra }));
      return String((body.model as { info: Json }).info.model_id);
    }
    const names = (body: Json) => ((body.models ?? []) as { info: Json }[]).map((m) => m.info.name);

    it("attaches metrics logged with model_id and a dataset to the model and returns them in data.metrics", async () => {
      const { experimentId, runId } = await experimentAndRun();
      const modelId = await loggedModel(experimentId, { name: "clf", source_run_id: runId });
      // mlflow.log_metric("acc", 0.91, model_id=..., dataset=eval_ds): LogMetric with model_id, dataset_name, dataset_digest.
      await ok(
        post("runs/log-metric", {
          run_id: runId,
          key: "acc",
          value: 0.91,
          timestamp: T0,
          step: 1,
          model_id: modelId,
          dataset_name: "eval",
          dataset_digest: "d1",
        }),
      );
      // mlflow.log_metrics(..., model_id=...) goes through log-batch.
      await ok(
        post("runs/log-batch", { run_id: runId, metrics: [{ key: "loss", value: 0.2, timestamp: T0 + 1, step: 2, model_id: modelId }] }),
      );
      const model = (await ok(get(`logged-models/${modelId}`))).model as { data: Json };
      expect(model.data.metrics).toEqual([
        { key: "acc", value: 0.91, timestamp: T0, step: 1, model_id: modelId, run_id: runId, dataset_name: "eval", dataset_digest: "d1" },
        { key: "loss", value: 0.2, timestamp: T0 + 1, step: 2, model_id: modelId, run_id: runId },
      ]);
      // The run has the points too.
      const run = (await ok(get("runs/get", { run_id: runId }))).run as { data: { metrics: Json[] } };
      expect(run.data.metrics.map((m) => m.key).sort()).toEqual(["acc", "loss"]);
      await fails(
        post("runs/log-metric", { run_id: runId, key: "acc", value: 1, timestamp: T0, model_id: `m-${"0".repeat(32)}` }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Logged model with ID 'm-${"0".repeat(32)}' not found.`,
      );
    });

    it("searches logged models by metrics, params, tags and datasets and orders them by a metric, in pages", async () => {
      const { experimentId, runId } = await experimentAndRun();
      const scores: [string, number, string][] = [
        ["low", 0.5, "eval"],
        ["mid", 0.85, "eval"],
        ["high", 0.95, "eval"],
        ["other", 0.99, "train"],
      ];
      for (const [name, acc, dataset] of scores) {
        const id = await loggedModel(experimentId, { name, params: [{ key: "alpha", value: name === "low" ? "1" : "2" }] });
        await ok(
          post("runs/log-metric", {
            run_id: runId,
            key: "acc",
            value: acc,
            timestamp: T0,
            model_id: id,
            dataset_name: dataset,
            dataset_digest: "x",
          }),
        );
      }
      await loggedModel(experimentId, { name: "unscored" });
      const search = (body: Json) => ok(post("logged-models/search", { experiment_ids: [experimentId], ...body }));
      const byAcc = [{ field_name: "metrics.acc", ascending: true }];
      // search_logged_models(filter_string="metrics.acc > 0.8", order_by=[{"field_name": "metrics.acc", "ascending": True}])
      expect(names(await search({ filter: "metrics.acc > 0.8", order_by: byAcc }))).toEqual(["mid", "high", "other"]);
      expect(names(await search({ filter: "metrics.acc > 0.8", datasets: [{ dataset_name: "eval" }], order_by: byAcc }))).toEqual([
        "mid",
        "high",
      ]);
      expect(names(await search({ datasets: [{ dataset_name: "train", dataset_digest: "x" }] }))).toEqual(["other"]);
      expect(names(await search({ datasets: [{ dataset_name: "train", dataset_digest: "nope" }] }))).toEqual([]);
      expect(names(await search({ filter: "params.alpha = '1'" }))).toEqual(["low"]);
      expect(names(await search({ filter: "metrics.acc <= 0.85 AND name != 'low'" }))).toEqual(["mid"]);
      // Ordered by the metric on one dataset; models without it come last (newest first among them).
      const ordered = [{ field_name: "metrics.acc", ascending: false, dataset_name: "eval" }];
      expect(names(await search({ order_by: ordered }))).toEqual(["high", "mid", "low", "unscored", "other"]);
      const first = await search({ order_by: ordered, max_results: 2 });
      expect(names(first)).toEqual(["high", "mid"]);
      const second = await search({ order_by: ordered, max_results: 2, page_token: first.next_page_token });
      expect(names(second)).toEqual(["low", "unscored"]);
      await fails(
        post("logged-models/search", { experiment_ids: [experimentId], datasets: [{ dataset_digest: "x" }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'datasets[0].dataset_name'",
      );
      await fails(
        post("logged-models/search", { experiment_ids: [experimentId], order_by: [{ field_name: "params.alpha" }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid order by field name: params.alpha",
      );
    });

    it("logs params to a logged model (POST logged-models/<id>/params), the creator only", async () => {
      const { experimentId } = await experimentAndRun();
      const modelId = await loggedModel(experimentId, { params: [{ key: "alpha", value: "0.5" }] });
      // RestStore.log_logged_model_params: LogLoggedModelParamsRequest(model_id, params).
      expect(await ok(post(`logged-models/${modelId}/params`, { model_id: modelId, params: [{ key: "l1_ratio", value: "0.1" }] }))).toEqual(
        {},
      );
      const model = (await ok(get(`logged-models/${modelId}`))).model as { data: Json };
      expect(model.data.params).toEqual([
        { key: "alpha", value: "0.5" },
        { key: "l1_ratio", value: "0.1" },
      ]);
      await fails(post(`logged-models/${modelId}/params`, { params: [{ key: "x", value: "1" }] }, bob), 403, "PERMISSION_DENIED");
      await fails(post(`logged-models/m-${"f".repeat(32)}/params`, { params: [] }), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("accepts a logged model whose source run is unknown, as MLflow's store records it unchecked", async () => {
      const { experimentId } = await experimentAndRun();
      const stranger = "0123456789abcdef0123456789abcdef";
      const body = await ok(post("logged-models", { experiment_id: experimentId, name: "elsewhere", source_run_id: stranger }));
      expect((body.model as { info: Json }).info.source_run_id).toBe(stranger);
    });

    it("returns the run's model inputs and model outputs in get-run and search-runs", async () => {
      const { experimentId, runId } = await experimentAndRun();
      const made = await loggedModel(experimentId, { source_run_id: runId });
      const used = await loggedModel(experimentId);
      await ok(post("runs/outputs", { run_id: runId, models: [{ model_id: made, step: 3 }] }));
      await ok(post("runs/log-inputs", { run_id: runId, models: [{ model_id: used }] }));
      const run = (await ok(get("runs/get", { run_id: runId }))).run as Json;
      expect(run.inputs).toEqual({ model_inputs: [{ model_id: used }] });
      expect(run.outputs).toEqual({ model_outputs: [{ model_id: made, step: 3 }] });
      const found = (await ok(post("runs/search", { experiment_ids: [experimentId] }))).runs as Json[];
      expect(found[0]?.outputs).toEqual({ model_outputs: [{ model_id: made, step: 3 }] });
      const plain = await experimentAndRun();
      const bare = (await ok(get("runs/get", { run_id: plain.runId }))).run as Json;
      expect(bare.inputs).toEqual({});
      expect(bare).not.toHaveProperty("outputs");
    });

    it("writes mlflow.modelVersions as json.dumps does and keeps each version once after the client's own update", async () => {
      const { experimentId } = await experimentAndRun();
      const modelId = await loggedModel(experimentId);
      const name = unique("reg");
      await ok(post("registered-models/create", { name }));
      await ok(post("model-versions/create", { name, source: `models:/${modelId}`, model_id: modelId }));
      const tagOf = async () => {
        const info = ((await ok(get(`logged-models/${modelId}`))).model as { info: { tags: Json[] } }).info;
        return info.tags.find((t) => t.key === "mlflow.modelVersions")?.value;
      };
      expect(await tagOf()).toBe(`[{"name": "${name}", "version": 1}]`);
      // fluent.py _register_model then sets the tag to json.loads(existing) + [{"name", "version": "1"}] (the version a
      // string, from the REST response).
      const replay = `[{"name": "${name}", "version": 1}, {"name": "${name}", "version": "1"}]`;
      await ok(patch(`logged-models/${modelId}/tags`, { model_id: modelId, tags: [{ key: "mlflow.modelVersions", value: replay }] }));
      expect(await tagOf()).toBe(`[{"name": "${name}", "version": 1}]`);
      await ok(post("model-versions/create", { name, source: `models:/${modelId}`, model_id: modelId }));
      expect(await tagOf()).toBe(`[{"name": "${name}", "version": 1}, {"name": "${name}", "version": 2}]`);
    });

    it("lets only the logged model's writer register it as a model version, which tags the model", async () => {
      const { experimentId } = await experimentAndRun();
      const modelId = await loggedModel(experimentId);
      const name = unique("bob-reg");
      await ok(post("registered-models/create", { name }, bob));
      const sentence = `Only parity-alice or an admin may register logged model ${modelId} as a model version.`;
      await fails(post("model-versions/create", { name, source: `models:/${modelId}` }, bob), 403, "PERMISSION_DENIED", sentence);
      await fails(post("model-versions/create", { name, source: "s3://elsewhere", model_id: modelId }, bob), 403, "PERMISSION_DENIED");
      const info = ((await ok(get(`logged-models/${modelId}`))).model as { info: { tags?: Json[] } }).info;
      expect((info.tags ?? []).find((t) => t.key === "mlflow.modelVersions")).toBeUndefined();
      expect(await ok(get("model-versions/search", { filter: `name = '${name}'` }, bob))).toEqual({});
    });

    it("refuses wrong-typed fields naming them, nested names included", async () => {
      await fails(
        post("experiments/create", { name: 123 }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid value 123 for parameter 'name' supplied",
      );
      await fails(post("runs/log-parameter", { run_id: 31, key: "a", value: "1" }), 400, "INVALID_PARAMETER_VALUE", "parameter 'run_id'");
      const { runId } = await experimentAndRun();
      await fails(
        post("runs/log-batch", { run_id: runId, metrics: [{ key: "a", value: 1, timestamp: "soon" }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "parameter 'metrics[0].timestamp'",
      );
    });

    it("answers get-experiment of a negative or unknown id with 404 RESOURCE_DOES_NOT_EXIST (set_experiment(experiment_id='-1337'))", async () => {
      await fails(get("experiments/get", { experiment_id: "-1337" }), 404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=-1337 exists");
      await fails(get("experiments/get", { experiment_id: "987654321" }), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it('reads an empty registry description back as "" and an absent one as absent', async () => {
      const name = unique("desc");
      const model = (await ok(post("registered-models/create", { name, description: "" }))).registered_model as Json;
      expect(model.description).toBe("");
      const version = (await ok(post("model-versions/create", { name, source: "mlflow-artifacts:/1/x", description: "" })))
        .model_version as Json;
      expect(version.description).toBe("");
      const other = unique("desc");
      expect((await ok(post("registered-models/create", { name: other }))).registered_model).not.toHaveProperty("description");
      await ok(patch("registered-models/update", { name: other, description: "" }));
      expect(((await ok(get("registered-models/get", { name: other }))).registered_model as Json).description).toBe("");
    });

    it("breaks version_number ties by name ascending, as MLflow's SQL store does", async () => {
      const prefix = unique("tie");
      const [a, b] = [`${prefix}-a`, `${prefix}-b`];
      // b is created and updated last, so an update-time tiebreak would put it first.
      for (const name of [a, b]) await ok(post("registered-models/create", { name }));
      for (const name of [a, b, a, b]) await ok(post("model-versions/create", { name, source: "mlflow-artifacts:/1/x" }));
      const body = await ok(get("model-versions/search", { filter: `name LIKE '${prefix}-%'`, order_by: "version_number ASC" }));
      expect((body.model_versions as Json[]).map((v) => `${String(v.name)}/${String(v.version)}`)).toEqual([
        `${a}/1`,
        `${b}/1`,
        `${a}/2`,
        `${b}/2`,
      ]);
      await fails(
        get("model-versions/search", { order_by: ["name ASC", "name DESC"] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "`order_by` contains duplicate fields",
      );
    });

    it("keeps a copied version's models:/ source and downloads it from the original's files", async () => {
      const { runId, run } = await experimentAndRun();
      const src = unique("src");
      await ok(post("registered-models/create", { name: src }));
      await ok(post("model-versions/create", { name: src, source: `runs:/${runId}/model`, run_id: runId }));
      // AbstractStore.copy_model_version: create_model_version(dst, source="models:/<src>/<version>", run_id=...).
      const dst = unique("dst");
      await ok(post("registered-models/create", { name: dst }));
      const copy = (await ok(post("model-versions/create", { name: dst, source: `models:/${src}/1`, run_id: runId })))
        .model_version as Json;
      expect(copy.source).toBe(`models:/${src}/1`);
      const uri = await ok(get("model-versions/get-download-uri", { name: dst, version: "1" }));
      expect(uri).toEqual({ artifact_uri: `${String(run.artifact_uri)}/model` });
      await fails(
        post("model-versions/create", { name: dst, source: `models:/${src}/9` }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Unable to fetch model from model URI source artifact location 'models:/${src}/9'.`,
      );
    });

    it("keeps an artifact location's query string in run and logged model artifact URIs", async () => {
      const { experimentId, run } = await experimentAndRun({ artifact_location: "s3://bucket/exp?region=eu" });
      expect(run.artifact_uri).toBe(`s3://bucket/exp/${String(run.run_id)}/artifacts?region=eu`);
      const body = await ok(post("logged-models", { experiment_id: experimentId }));
      const info = (body.model as { info: Json }).info;
      expect(info.artifact_uri).toBe(`s3://bucket/exp/models/${String(info.model_id)}/artifacts?region=eu`);
    });

    it("lists a run's artifacts (GET artifacts/list) with root_uri, is_dir and file_size", async () => {
      const { runId, run } = await experimentAndRun();
      const store = new LocalArtifactStore(path.join(root, kind));
      const key = String(run.artifact_uri).slice("mlflow-artifacts:/".length);
      await putFile(store, `${key}/model/MLmodel`, bytes("flavors: {}\n"));
      await putFile(store, `${key}/notes.txt`, bytes("hi"));
      const ctx = { db: db(), principal: alice, store };
      expect(
        await listRunArtifacts(ctx, { run_id: runId, run_uuid: undefined, path: undefined, page_token: undefined }, await runRow(runId)),
      ).toEqual({
        root_uri: run.artifact_uri,
        files: [
          { path: "model", is_dir: true },
          { path: "notes.txt", is_dir: false, file_size: 2 },
        ],
      });
      expect(
        await listRunArtifacts(ctx, { run_id: runId, run_uuid: undefined, path: "model", page_token: undefined }, await runRow(runId)),
      ).toEqual({
        root_uri: run.artifact_uri,
        files: [{ path: "model/MLmodel", is_dir: false, file_size: 12 }],
      });
      // Through the operation table: the run is looked up by run_id or the older run_uuid.
      await fails(get("artifacts/list", { run_id: "f".repeat(32) }), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(get("artifacts/list", { run_id: runId, path: "../x" }, bob), 400, "INVALID_PARAMETER_VALUE");
    });

    async function runRow(runId: string) {
      const { findRun } = await import("@/db/queries/tracking");
      const row = await findRun(db(), runId);
      if (!row) throw new Error(`run ${runId} is gone`);
      return row;
    }

    it("answers metrics/get-history-bulk as the AJAX route does: runs sorted, each point with its run_id", async () => {
      const one = await experimentAndRun();
      const two = await experimentAndRun();
      for (const [run, v] of [
        [two.runId, 2],
        [one.runId, 1],
      ] as const) {
        await ok(
          post("runs/log-batch", {
            run_id: run,
            metrics: [0, 1].map((step) => ({ key: "loss", value: v + step, timestamp: T0 + step, step })),
          }),
        );
      }
      const body = await ok(get("metrics/get-history-bulk", { run_id: [two.runId, one.runId], metric_key: "loss", max_results: 3 }));
      const sorted = [one.runId, two.runId].sort();
      const value = (id: string) => (id === one.runId ? 1 : 2);
      expect(body).toEqual({
        metrics: [
          { key: "loss", value: value(sorted[0] ?? ""), timestamp: T0, step: 0, run_id: sorted[0] },
          { key: "loss", value: value(sorted[0] ?? "") + 1, timestamp: T0 + 1, step: 1, run_id: sorted[0] },
          { key: "loss", value: value(sorted[1] ?? ""), timestamp: T0, step: 0, run_id: sorted[1] },
        ],
      });
      expect(await ok(get("metrics/get-history-bulk", { run_id: one.runId, metric_key: "nothing" }))).toEqual({ metrics: [] });
      await fails(
        get("metrics/get-history-bulk", { metric_key: "loss" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "GetMetricHistoryBulk request must specify at least one run_id.",
      );
      await fails(
        get("metrics/get-history-bulk", { run_id: one.runId }),
        400,
        "INVALID_PARAMETER_VALUE",
        "GetMetricHistoryBulk request must specify a metric_key.",
      );
      await fails(
        get("metrics/get-history-bulk", { run_id: Array.from({ length: 21 }, (_, i) => `${i}`), metric_key: "loss" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "cannot specify more than 20 run_ids. Received 21 run_ids.",
      );
    });
  });
}
