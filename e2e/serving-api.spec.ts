import { expect, test } from "@playwright/test";
import { bearer, mlflowPost, userWithToken } from "./support/api";
import { DEV_URL } from "./support/env";

/**
 * The serving-endpoints API through the real server, as MLflow's Databricks deployment client calls it
 * (mlflow/deployments/databricks/__init__.py, DatabricksDeploymentClient): `_call_endpoint` builds its URL with
 * posixpath.join("/api/2.0", "serving-endpoints", route or ""), so create_endpoint and list_endpoints ask for
 * `/api/2.0/serving-endpoints/` with a trailing slash, which Next alone would answer with a redirect.
 */

const API = `${DEV_URL}/api/2.0/serving-endpoints`;
const CLIENT = { "x-databricks-endpoints-api-client": "Databricks Deployment Client" };

test("MLflow's Databricks deployment client creates, lists, reads, changes and deletes an endpoint", async ({ request }) => {
  const token = await userWithToken(request, DEV_URL, "serve-ann");
  const headers = { ...bearer(token), ...CLIENT };
  const experiment = await mlflowPost(request, DEV_URL, token, "experiments/create", { name: `serve-ann-${Date.now()}` });
  const run = await mlflowPost(request, DEV_URL, token, "runs/create", { experiment_id: experiment.experiment_id });
  const runId = (run.run as { info: { run_id: string } }).info.run_id;
  await mlflowPost(request, DEV_URL, token, "registered-models/create", { name: "serve-churn" });
  await mlflowPost(request, DEV_URL, token, "model-versions/create", {
    name: "serve-churn",
    source: `runs:/${runId}/model`,
    run_id: runId,
  });

  // create_endpoint(config={"name": ..., "config": {...}})
  const created = await request.post(`${API}/`, {
    headers,
    maxRedirects: 0,
    data: {
      name: "serve-churn-api",
      config: {
        served_entities: [{ entity_name: "serve-churn", entity_version: "1", workload_size: "Small", scale_to_zero_enabled: false }],
      },
    },
  });
  expect(created.status(), await created.text()).toBe(200);
  expect(await created.json()).toMatchObject({
    name: "serve-churn-api",
    creator: "serve-ann",
    state: { ready: "NOT_READY", config_update: "IN_PROGRESS" },
    pending_config: { config_version: 1, served_entities: [{ name: "serve-churn-1", entity_version: "1" }] },
  });

  // list_endpoints(): GET /api/2.0/serving-endpoints/
  const listed = await request.get(`${API}/`, { headers, maxRedirects: 0 });
  expect(listed.status()).toBe(200);
  expect(((await listed.json()) as { endpoints: { name: string }[] }).endpoints.map((e) => e.name)).toContain("serve-churn-api");

  // The leader's reconciler takes the config up at once: this run (made through the API, not in a workspace) recorded
  // no image and the entity names no environment, so the rollout fails with a sentence that says what to do.
  await expect
    .poll(async () => ((await (await request.get(`${API}/serve-churn-api`, { headers })).json()) as { state: unknown }).state, {
      timeout: 60_000,
    })
    .toEqual({ ready: "NOT_READY", config_update: "UPDATE_FAILED" });
  const failed = (await (await request.get(`${API}/serve-churn-api`, { headers })).json()) as {
    pending_config: { served_entities: { state: { deployment: string; deployment_state_message: string } }[] };
  };
  expect(failed.pending_config.served_entities[0]?.state).toEqual({
    deployment: "DEPLOYMENT_FAILED",
    deployment_state_message:
      'Config version 1 did not become ready: The training run of version 1 of "serve-churn" recorded no image (tag atrium.image_id); give served entity "serve-churn-1" an environment to serve it in.',
  });

  // update_endpoint_config(endpoint, config): PUT …/<name>/config (taken after a failed rollout, refused during one)
  const updated = await request.put(`${API}/serve-churn-api/config`, {
    headers,
    data: { served_entities: [{ entity_name: "serve-churn", entity_version: "1", workload_size: "Medium", scale_to_zero_enabled: false }] },
  });
  expect(updated.status(), await updated.text()).toBe(200);
  expect(((await updated.json()) as { pending_config: { config_version: number } }).pending_config.config_version).toBe(2);

  // get_endpoint(endpoint), then a refusal in MLflow's shape.
  expect((await request.get(`${API}/serve-churn-api`, { headers })).status()).toBe(200);
  const taken = await request.post(`${API}/`, {
    headers,
    maxRedirects: 0,
    data: { name: "serve-churn-api", config: { served_entities: [{ entity_name: "serve-churn", entity_version: "1" }] } },
  });
  expect([taken.status(), await taken.json()]).toEqual([
    409,
    { error_code: "RESOURCE_ALREADY_EXISTS", message: 'A serving endpoint named "serve-churn-api" already exists.' },
  ]);

  // delete_endpoint(endpoint): no body, and the client parses the answer as JSON.
  const deleted = await request.delete(`${API}/serve-churn-api`, { headers });
  expect([deleted.status(), await deleted.json()]).toEqual([200, {}]);
  const gone = await request.get(`${API}/serve-churn-api`, { headers });
  expect([gone.status(), ((await gone.json()) as { error_code: string }).error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);

  // An early refusal (a NUL in the path) is in MLflow's shape on this API too.
  const nul = await request.get(`${API}/a%00b`, { headers });
  expect([nul.status(), ((await nul.json()) as { error_code: string }).error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
});
