import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { bearer, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * MLflow 3 logged models over HTTP: the request sequence `mlflow.sklearn.log_model(model, name="model")`
 * and `mlflow.register_model("runs:/<run>/model", "<name>")` send (service.proto's CreateLoggedModel,
 * the mlflow-artifacts PUTs, LogOutputs, ListLoggedModelArtifacts, SetLoggedModelTags, FinalizeLoggedModel, SearchLoggedModels,
 * CreateModelVersion), replayed against a portal of its own; then the registry page in a browser.
 */
const PORT = extraPort(8);
const BASE = localUrl(PORT);
const OWNER = "lm-e-owner";
const MODEL_NAME = `lm-e-churn-${Date.now()}`;

let portal: RunningPortal | undefined;
let dataDir = "";
let token = "";

async function mlflow(
  request: APIRequestContext,
  method: "GET" | "POST" | "PATCH",
  op: string,
  data?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const url = `${BASE}/api/2.0/mlflow/${op}`;
  const res = await request.fetch(url, { method, headers: bearer(token), ...(data ? { data } : {}) });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(path.join(os.tmpdir(), "atrium-lm-e2e-"));
  portal = await startPortal("logged-models", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: E2E_DATABASE_URL,
    ATRIUM_DATA_DIR: dataDir,
    ATRIUM_PUBLIC_URL: BASE,
  });
  token = await userWithToken(request, BASE, OWNER);
});

test.afterAll(async () => {
  await portal?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("a model logged and registered as the MLflow 3 client does appears in the registry with its files", async ({ request, page }) => {
  const exp = await mlflow(request, "POST", "experiments/create", { name: `lm-e-${Date.now()}` });
  const experimentId = String(exp.experiment_id);
  const run = (await mlflow(request, "POST", "runs/create", { experiment_id: experimentId, run_name: "churn-sklearn" })) as {
    run: { info: { run_id: string } };
  };
  const runId = run.run.info.run_id;

  const created = (await mlflow(request, "POST", "logged-models", {
    experiment_id: experimentId,
    name: "model",
    model_type: "",
    source_run_id: runId,
    params: [{ key: "C", value: "1.0" }],
    tags: [],
  })) as { model: { info: { model_id: string; artifact_uri: string; status: string } } };
  const { model_id: modelId, artifact_uri: artifactUri, status } = created.model.info;
  expect(artifactUri).toBe(`mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`);
  expect(status).toBe("LOGGED_MODEL_PENDING");

  const folder = `${BASE}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${modelId}/artifacts`;
  const mlmodel = `artifact_path: model\nflavors:\n  sklearn:\n    pickled_model: model.pkl\nmodel_id: ${modelId}\nrun_id: ${runId}\n`;
  const pkl = Buffer.from([0x80, 0x04, 0x95, 0x10, 0x00, 0x2e]);
  for (const [name, body] of [
    ["MLmodel", Buffer.from(mlmodel)],
    ["model.pkl", pkl],
  ] as const) {
    const put = await request.put(`${folder}/${name}`, { headers: bearer(token), data: body });
    expect(put.status(), await put.text()).toBe(200);
  }
  expect(await mlflow(request, "POST", "runs/outputs", { run_id: runId, models: [{ model_id: modelId, step: 0 }] })).toEqual({});
  expect(await mlflow(request, "GET", `logged-models/${modelId}/artifacts/directories`)).toEqual({
    root_uri: artifactUri,
    files: [
      { path: "MLmodel", is_dir: false, file_size: Buffer.byteLength(mlmodel) },
      { path: "model.pkl", is_dir: false, file_size: pkl.length },
    ],
  });
  expect(
    await mlflow(request, "PATCH", `logged-models/${modelId}/tags`, { tags: [{ key: "mlflow.source.name", value: "train.py" }] }),
  ).toEqual({});
  const ready = (await mlflow(request, "PATCH", `logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" })) as {
    model: { info: { status: string } };
  };
  expect(ready.model.info.status).toBe("LOGGED_MODEL_READY");

  const found = (await mlflow(request, "POST", "logged-models/search", {
    experiment_ids: [experimentId],
    filter: `source_run_id='${runId}' AND name='model'`,
    max_results: 2,
  })) as { models: { info: { model_id: string } }[] };
  expect(found.models.map((m) => m.info.model_id)).toEqual([modelId]);
  await mlflow(request, "POST", "registered-models/create", { name: MODEL_NAME });
  const mv = (await mlflow(request, "POST", "model-versions/create", {
    name: MODEL_NAME,
    source: `runs:/${runId}/model`,
    run_id: runId,
  })) as {
    model_version: { version: string; source: string };
  };
  expect([mv.model_version.version, mv.model_version.source]).toEqual(["1", artifactUri]);

  const uri = await mlflow(request, "GET", `model-versions/get-download-uri?name=${encodeURIComponent(MODEL_NAME)}&version=1`);
  expect(uri).toEqual({ artifact_uri: artifactUri });
  const listed = await request.get(
    `${BASE}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(artifactUri.slice("mlflow-artifacts:/".length))}`,
    { headers: bearer(token) },
  );
  expect(await listed.json()).toEqual({
    files: [
      { path: "MLmodel", is_dir: false, file_size: Buffer.byteLength(mlmodel) },
      { path: "model.pkl", is_dir: false, file_size: pkl.length },
    ],
  });
  const back = await request.get(`${folder}/MLmodel`, { headers: bearer(token) });
  expect(await back.text()).toBe(mlmodel);

  await page.goto(`${BASE}/signin`);
  await page.waitForLoadState("networkidle");
  await page.getByLabel("User name").fill(OWNER);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-name")).toHaveText(OWNER);
  await page.goto(`${BASE}/models/${encodeURIComponent(MODEL_NAME)}`);
  await expect(page.getByRole("heading", { name: MODEL_NAME })).toBeVisible();
  await expect(page.getByTestId("source-run")).toHaveText("churn-sklearn");
  await expect(page.getByText("v1", { exact: true })).toBeVisible();
  await screenshot(page, "logged-model-registered");
});
