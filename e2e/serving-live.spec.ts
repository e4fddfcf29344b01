import path from "node:path";
import Dockerode from "dockerode";
import { expect as baseExpect, test, type APIRequestContext, type Page } from "@playwright/test";
import { asBootstrap, bearer, mlflowPost } from "./support/api";
import { SSO_URL } from "./support/env";
import { ssoSignIn } from "./support/browser";

/**
 * A really trained scikit-learn model served by the production portal (issue 27; docs/serving.md), end to end: the
 * model is trained in the real environment image, logged through MLflow's REST API into the portal's artifact store
 * by a run that records its image (the `atrium.image_id` tag a workspace's runs carry, lib/serving/image.ts) and
 * registered twice. Then, in Chromium signed in through the real OIDC provider: Deploy from the model version page,
 * the endpoint goes live on its page, "Try it" predicts, an application token with `serving:invoke` gets MLflow's
 * `{"predictions": …}` and one without it a 403 in MLflow's error shape, the request log and the charts show those
 * calls; a change to version 2 under continuous load through the portal loses no call; Delete removes the containers.
 * Screenshots of the endpoint page at 1440 and 390 px land in the e2e output directory.
 */

// A replica starts on a busy 2-core machine: the image, the bundle download and the unpickling take seconds each.
const expect = baseExpect.configure({ timeout: 30_000 });
const API = `${SSO_URL}/api/2.0/serving-endpoints`;
const IMAGE = "atrium-jupyterlab:1";
const COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
];
const BODY = { dataframe_split: { columns: COLUMNS, data: ROWS } };
const docker = new Dockerode();

/** The multiplexed log stream of a container (8-byte frame headers) as its stdout. */
function stdoutOf(buf: Buffer): string {
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    if (buf[i] === 1) out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out).toString("utf8");
}

/**
 * Trains the iris model in the real image with lib/serving/testing/train_and_check.py (the reconciler's test trains the
 * same way) and returns its MLflow model files and the predictions it makes for ROWS.
 */
async function trainModel(): Promise<{ files: Record<string, Buffer>; predictions: number[] }> {
  const container = await docker.createContainer({
    name: `atrium-e2e-serving-live-train-${process.pid}`,
    Image: IMAGE,
    Entrypoint: [],
    Cmd: ["python3", "/src/testing/train_and_check.py", "--train-only"],
    Labels: { "atrium.test": "serving" },
    HostConfig: {
      NetworkMode: "none",
      Binds: [`${path.resolve(import.meta.dirname, "..", "lib", "serving")}:/src:ro`],
      Memory: 1024 ** 3,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
    },
  });
  try {
    await container.start();
    const waited = container.wait() as Promise<{ StatusCode: number }>;
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("training took over 5 minutes")), 300_000).unref(),
    );
    const { StatusCode } = await Promise.race([waited, deadline]);
    const out = stdoutOf(await container.logs({ stdout: true, stderr: true, follow: false }));
    if (StatusCode !== 0) throw new Error(`training failed (${StatusCode}): ${out.slice(-2000)}`);
    const parsed = JSON.parse(out.trim().split("\n").at(-1) ?? "") as {
      model: Record<string, string>;
      expected: { predictions: number[] };
    };
    return {
      files: Object.fromEntries(Object.entries(parsed.model).map(([k, v]) => [k, Buffer.from(v, "base64")])),
      predictions: parsed.expected.predictions,
    };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function tokenOf(request: APIRequestContext, note: string, scopes?: string[]): Promise<string> {
  const res = await request.post(`${SSO_URL}/api/users/alice/tokens`, {
    headers: asBootstrap,
    data: { note, ...(scopes ? { scopes } : {}) },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** One call as an application makes it: plain fetch with a bearer token, the status and the parsed answer. */
async function invoke(name: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${SSO_URL}/serving-endpoints/${name}/invocations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(BODY),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * Waits until `version` serves (READY, NOT_UPDATING); a failed rollout fails at once with the reconciler's reason
 * rather than at the deadline.
 */
async function settled(request: APIRequestContext, headers: Record<string, string>, name: string, version: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const e = (await (await request.get(`${API}/${name}`, { headers })).json()) as {
      state: { ready: string; config_update: string };
      config?: { config_version: number };
      pending_config?: { served_entities: { state: { deployment_state_message?: string } }[] };
    };
    if (e.state.config_update === "UPDATE_FAILED")
      throw new Error(`the rollout failed: ${e.pending_config?.served_entities[0]?.state.deployment_state_message ?? "no reason"}`);
    if (e.state.ready === "READY" && e.state.config_update === "NOT_UPDATING" && e.config?.config_version === version) return;
    if (Date.now() > deadline)
      throw new Error(`config version ${version} of ${name} did not serve within 300 s: ${JSON.stringify(e.state)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The endpoint's replicas on the engine: its services on swarm (ATRIUM_SPAWNER=swarm), else its containers, running or not;
 * and every container of it, which Delete must leave none of (a removed service's task containers included).
 */
async function replicasOnEngine(endpointId: string): Promise<{ replicas: number; containers: number }> {
  const filters = { label: ["atrium.managed=true", `atrium.endpoint=${endpointId}`] };
  const containers = (await docker.listContainers({ all: true, filters })).length;
  const services = process.env.ATRIUM_SPAWNER === "swarm" ? (await docker.listServices({ filters })).length : undefined;
  return { replicas: services ?? containers, containers };
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ["1440", { width: 1440, height: 900 }],
    ["390", { width: 390, height: 844 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: test.info().outputPath(`${name}-${size}.png`), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${size} px`).toBeLessThanOrEqual(viewport.width);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test("a trained scikit-learn model deployed, called, rolled to v2 under load and deleted through the portal", async ({ page, request }) => {
  test.setTimeout(900_000);
  const { files, predictions } = await trainModel();
  await page.setViewportSize({ width: 1440, height: 900 });
  await ssoSignIn(page, SSO_URL, "alice", "alice-pw");
  const token = await tokenOf(request, "serving live");
  const headers = bearer(token);
  // alice's role allows two endpoints: those an earlier spec left are removed first.
  const listed = (await (await request.get(API, { headers })).json()) as { endpoints?: { name: string; creator: string }[] };
  for (const e of (listed.endpoints ?? []).filter((x) => x.creator === "alice")) await request.delete(`${API}/${e.name}`, { headers });

  // The training run, as MLflow's client logs it: a run that records the image it ran in, the model's files as
  // artifacts under model/, and the registered model's versions 1 and 2 made from them.
  const stamp = Date.now();
  const model = `iris-${stamp}`;
  const imageId = (await docker.getImage(IMAGE).inspect()).Id;
  const { experiment_id } = (await mlflowPost(request, SSO_URL, token, "experiments/create", { name: `iris-${stamp}` })) as {
    experiment_id: string;
  };
  const run = (await mlflowPost(request, SSO_URL, token, "runs/create", {
    experiment_id,
    run_name: "train",
    tags: [{ key: "atrium.image_id", value: imageId }],
  })) as { run: { info: { run_id: string; artifact_uri: string } } };
  const runId = run.run.info.run_id;
  const artifactPath = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, "");
  for (const [file, bytes] of Object.entries(files)) {
    const put = await request.put(`${SSO_URL}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}/model/${file}`, { headers, data: bytes });
    expect(put.status(), await put.text()).toBe(200);
  }
  await mlflowPost(request, SSO_URL, token, "runs/update", { run_id: runId, status: "FINISHED", end_time: Date.now() });
  await mlflowPost(request, SSO_URL, token, "registered-models/create", { name: model });
  for (let i = 0; i < 2; i++)
    await mlflowPost(request, SSO_URL, token, "model-versions/create", { name: model, source: `runs:/${runId}/model`, run_id: runId });

  // Deploy from the model version page, as a data scientist does: the endpoint's page opens at once.
  const name = `iris-live-${stamp}`;
  await page.goto(`${SSO_URL}/models/${model}/versions/1`);
  await page.getByTestId("deploy-open").click();
  const form = page.getByTestId("deploy-form");
  await form.getByLabel("Endpoint name").fill(name);
  await page.getByTestId("deploy-submit").click();
  await expect(page).toHaveURL(`${SSO_URL}/serving/${name}`);
  const created = (await (await request.get(`${API}/${name}`, { headers })).json()) as { id: string };

  // Live: while the replica starts the page shows the rollout's progress; then the state goes to Ready, the replica is
  // counted as ready and the rollout card is gone. A failed rollout ends the wait with its reason.
  await expect(page.getByTestId("rollout").or(page.getByTestId("endpoint-state").getByText("Ready", { exact: true }))).toBeVisible();
  await settled(request, headers, name, 1);
  await expect(page.getByTestId("endpoint-state")).toHaveText("Ready");
  await expect(page.getByTestId("served-entities")).toContainText(`${model} v1`);
  await expect(page.getByTestId("served-entities").locator("tr").nth(1).locator("td").last()).toHaveText("1");
  await expect(page.getByTestId("rollout")).toHaveCount(0);
  expect((await replicasOnEngine(created.id)).replicas).toBe(1);

  // Try it: the model's own rows, sent with alice's session, answered by the model.
  await page.getByTestId("try-body").fill(JSON.stringify(BODY));
  await page.getByTestId("try-send").click();
  await expect(page.getByTestId("try-status")).toHaveText(/^200 in \d+ ms$/);
  expect(JSON.parse((await page.getByTestId("try-answer").textContent()) ?? "")).toEqual({ predictions });

  // An application's token with serving:invoke: exactly MLflow's answer. One without the scope: a 403 in MLflow's shape.
  const app = await tokenOf(request, "scoring app", ["serving:invoke"]);
  expect(await invoke(name, app)).toEqual({ status: 200, body: { predictions } });
  const other = await tokenOf(request, "tracking only", ["mlflow"]);
  const refused = await invoke(name, other);
  expect(refused.status).toBe(403);
  expect(refused.body).toEqual({ error_code: "PERMISSION_DENIED", message: expect.stringMatching(/serving:invoke.*\.$/) as unknown });

  // The request log shows the three calls, newest first: the refused one (a row without a served version, its
  // caller's token named), then the two that reached the model; the charts draw them.
  await page.getByTestId("apply-filters").click();
  const log = page.getByTestId("request-log");
  await expect(log.getByTestId("log-row")).toHaveCount(3);
  await expect(log.getByTestId("log-status")).toHaveText(["403", "200", "200"]);
  await expect(log.getByTestId("log-row").first()).toContainText("refused");
  await expect(log.getByTestId("log-row").nth(1)).toContainText("token");
  await expect(log.getByTestId("log-row").nth(2)).toContainText("alice");
  await page.reload();
  // A bucket or two so far: each drawn as a dot (a line needs two points).
  for (const chart of ["chart-rps", "chart-latency", "chart-errors"])
    await expect(
      page.getByTestId(chart).locator("circle.recharts-dot, .recharts-line path.recharts-curve").filter({ visible: true }).first(),
    ).toBeVisible();
  await expect(page.getByTestId("chart-rps").locator(".recharts-legend-item-text")).toHaveText([`${model}-1 (v1)`]);
  await shoot(page, "serving-live-endpoint");

  // Version 2 rolled out while an application keeps calling through the portal: not one call fails.
  let stop = false;
  const outcomes: { status: number; body: unknown }[] = [];
  const caller = async () => {
    while (!stop) outcomes.push(await invoke(name, app).catch((err: unknown) => ({ status: 0, body: String(err) })));
  };
  const load = [caller(), caller()];
  try {
    await expect.poll(() => outcomes.length, { timeout: 60_000 }).toBeGreaterThan(10);
    const put = await request.put(`${API}/${name}/config`, {
      headers,
      data: { served_entities: [{ entity_name: model, entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false }] },
    });
    expect(put.status(), await put.text()).toBe(200);
    // An idle page polls seldom; opened again it polls every 2 s while the change rolls out.
    await page.reload();
    await expect(page.getByTestId("endpoint-state")).toHaveText("Ready · updating");
    await expect(page.getByTestId("rollout")).toBeVisible();
    await settled(request, headers, name, 2);
    // Calls keep going a little past the switch, onto the new replica only once the old one drained.
    const switched = outcomes.length;
    await expect.poll(() => outcomes.length, { timeout: 60_000 }).toBeGreaterThan(switched + 10);
  } finally {
    stop = true;
    await Promise.all(load);
  }
  const failed = outcomes.filter((o) => o.status !== 200 || JSON.stringify(o.body) !== JSON.stringify({ predictions }));
  expect(failed, `${failed.length} of ${outcomes.length} calls failed during the rollout`).toEqual([]);
  await expect(page.getByTestId("endpoint-state")).toHaveText("Ready");
  await expect(page.getByText("Serving now")).toBeVisible();
  await expect(page.getByText(/^Revision 2\./)).toBeVisible();
  await expect(page.getByTestId("served-entities")).toContainText(`${model} v2`);
  await expect.poll(async () => (await replicasOnEngine(created.id)).replicas, { timeout: 120_000 }).toBe(1);
  await shoot(page, "serving-live-v2");

  // Delete from the page: a confirmation, the list again, and no container of the endpoint left on the engine.
  await page.getByTestId("delete-endpoint").click();
  await page.getByTestId("confirm-delete").click();
  await expect(page).toHaveURL(`${SSO_URL}/serving`);
  expect((await request.get(`${API}/${name}`, { headers })).status()).toBe(404);
  await expect.poll(async () => await replicasOnEngine(created.id), { timeout: 120_000 }).toEqual({ replicas: 0, containers: 0 });
});
