import { readFileSync } from "node:fs";
import { expect as baseExpect, test, type Page } from "@playwright/test";
import postgres from "postgres";
import { asBootstrap, bearer, mlflowPost } from "./support/api";
import { E2E_DATABASE_URL, SSO_URL } from "./support/env";
import { ssoSignIn } from "./support/browser";

/**
 * The Deployments pages a data scientist uses (docs/serving.md, "The pages"), in Chromium against the Postgres portal
 * signed in through the real OIDC provider: an endpoint made through the serving-endpoints API, request log rows
 * written straight into Postgres (the invocations proxy writes them in production), then the list, the endpoint page
 * with its charts and drift, the request log's filters, pages and export, a rollback, and the Deploy form.
 * Screenshots at 1440 and 390 px land in the e2e output directory.
 */

// The endpoint page is heavy (charts, drift, log) and the machine busy: a re-render after a change may take seconds.
const expect = baseExpect.configure({ timeout: 20_000 });
const API = `${SSO_URL}/api/2.0/serving-endpoints`;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function shoot(page: Page, path: string, name: string) {
  for (const [size, viewport] of [
    ["1440", DESKTOP],
    ["390", PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: test.info().outputPath(`${name}-${size}.png`), fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} at ${size} px`).toBeLessThanOrEqual(viewport.width);
  }
  await page.setViewportSize(DESKTOP);
}

test("the Deployments pages: list, endpoint page with charts and drift, request log, rollback, Deploy form", async ({ page, request }) => {
  // A change during a rollout is refused (RESOURCE_CONFLICT): wait until the leader's reconciler has taken each config
  // up. These runs recorded no image, so each rollout fails at once with a sentence (e2e/serving-api.spec.ts).
  const settled = (endpoint: string) =>
    expect
      .poll(
        async () =>
          ((await (await request.get(`${API}/${endpoint}`, { headers })).json()) as { state?: { config_update?: string } }).state
            ?.config_update,
        { timeout: 60_000 },
      )
      .not.toBe("IN_PROGRESS");
  test.setTimeout(240_000);
  await page.setViewportSize(DESKTOP);
  await ssoSignIn(page, SSO_URL, "alice", "alice-pw");
  const tok = await request.post(`${SSO_URL}/api/users/alice/tokens`, { headers: asBootstrap, data: { note: "serving pages" } });
  expect(tok.status(), await tok.text()).toBe(201);
  const token = ((await tok.json()) as { token: string }).token;
  const headers = bearer(token);
  // bob: a colleague to grant access to (and a caller in the log).
  const bob = await request.post(`${SSO_URL}/api/users`, { headers: asBootstrap, data: { name: "bob", role: "user" } });
  expect([201, 409], await bob.text()).toContain(bob.status());

  // A run's model registered twice (v1, v2), @champion on v2; alice's endpoints from earlier runs removed (role user allows two).
  const listed = (await (await request.get(API, { headers })).json()) as { endpoints: { name: string; creator: string }[] };
  for (const e of listed.endpoints.filter((x) => x.creator === "alice")) await request.delete(`${API}/${e.name}`, { headers });
  const stamp = Date.now();
  const model = `pages-churn-${stamp}`;
  const { experiment_id } = (await mlflowPost(request, SSO_URL, token, "experiments/create", { name: `pages-${stamp}` })) as {
    experiment_id: string;
  };
  const run = (await mlflowPost(request, SSO_URL, token, "runs/create", { experiment_id })) as {
    run: { info: { run_id: string; artifact_uri: string } };
  };
  // The model's MLmodel as yaml.safe_dump writes it, with a signature: "Try it" and the snippets start from its columns.
  const mlmodel = [
    "artifact_path: model",
    "signature:",
    `  inputs: '[{"type": "long", "name": "age", "required": true}, {"type": "string", "name": "plan", "required":`,
    "    true}]'",
    "  outputs: null",
    "",
  ].join("\n");
  const artifacts = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, "");
  const put = await request.put(`${SSO_URL}/api/2.0/mlflow-artifacts/artifacts/${artifacts}/model/MLmodel`, { headers, data: mlmodel });
  expect(put.status(), await put.text()).toBe(200);
  await mlflowPost(request, SSO_URL, token, "registered-models/create", { name: model });
  for (let i = 0; i < 2; i++) {
    await mlflowPost(request, SSO_URL, token, "model-versions/create", {
      name: model,
      source: `runs:/${run.run.info.run_id}/model`,
      run_id: run.run.info.run_id,
    });
  }
  await mlflowPost(request, SSO_URL, token, "registered-models/alias", { name: model, alias: "champion", version: "2" });

  // Revision 1 serves v1; revision 2 splits 90/10 between v1 and v2 (a canary).
  const name = `churn-${stamp}`;
  const created = await request.post(API, {
    headers,
    data: { name, config: { served_entities: [{ entity_name: model, entity_version: "1" }] } },
  });
  expect(created.status(), await created.text()).toBe(200);
  const { id: endpointId } = (await created.json()) as { id: string };
  await settled(name);
  const canary = await request.put(`${API}/${name}/config`, {
    headers,
    data: {
      served_entities: [
        { name: "current", entity_name: model, entity_version: "1" },
        { name: "canary", entity_name: model, entity_version: "2" },
      ],
      traffic_config: {
        routes: [
          { served_entity_name: "current", traffic_percentage: 90 },
          { served_entity_name: "canary", traffic_percentage: 10 },
        ],
      },
    },
  });
  expect(canary.status(), await canary.text()).toBe(200);
  await settled(name);

  // The request log: 240 requests in the last hour (every 12th a 500, every 5th from bob, v2 slower), plus 200 a day and a
  // half ago whose inputs were younger: the drift reference.
  const sql = postgres(E2E_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const now = Date.now();
    const rows = [];
    for (let i = 0; i < 240; i++) {
      const v2 = i % 10 === 0;
      rows.push({
        endpoint_id: endpointId,
        endpoint_name: name,
        at: new Date(now - (i + 1) * 14_000),
        caller_name: i % 5 === 0 ? "bob" : "alice",
        served_entity: v2 ? "canary" : "current",
        model_version: v2 ? 2 : 1,
        status: i % 12 === 0 ? 500 : 200,
        latency_ms: (v2 ? 40 : 12) + (i % 17),
        request_bytes: 80,
        response_bytes: 30,
        request_sample: JSON.stringify({ dataframe_split: { columns: ["age", "plan"], data: [[55 + (i % 30), i % 3 ? "pro" : "free"]] } }),
        response_sample: JSON.stringify({ predictions: [0.5 + (i % 10) / 20] }),
      });
    }
    for (let i = 0; i < 200; i++) {
      rows.push({
        endpoint_id: endpointId,
        endpoint_name: name,
        at: new Date(now - 36 * 3_600_000 - i * 1000),
        caller_name: "alice",
        served_entity: "current",
        model_version: 1,
        status: 200,
        latency_ms: 10,
        request_bytes: 80,
        response_bytes: 30,
        request_sample: JSON.stringify({ dataframe_split: { columns: ["age", "plan"], data: [[20 + (i % 30), i % 3 ? "pro" : "free"]] } }),
        response_sample: JSON.stringify({ predictions: [(i % 10) / 20] }),
      });
    }
    await sql`insert into serving_request_log ${sql(rows)}`;
  } finally {
    await sql.end();
  }

  // The list: in the main navigation, the endpoint with its state, versions and traffic, owner and last hour's requests.
  await page.goto(`${SSO_URL}/`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Serving" }).click();
  await expect(page).toHaveURL(`${SSO_URL}/serving`);
  const row = page.getByTestId(`endpoint-${name}`);
  // Its runs recorded no image, so the reconciler failed the rollout; the list says so.
  await expect(row).toContainText("Failed");
  await expect(row).toContainText(`${model} v1 · 90 %`);
  await expect(row).toContainText(`${model} v2 · 10 %`);
  await expect(row).toContainText("alice");
  await expect(row.getByTestId("requests-last-hour")).toHaveText("240");
  await shoot(page, "/serving", "serving-list");

  // The endpoint page: state, what will serve, the charts drawn from the log, drift found in "age".
  await row.getByRole("link", { name }).click();
  await expect(page.getByTestId("endpoint-name")).toContainText(name);
  await expect(page.getByTestId("invocations-url")).toHaveText(`POST ${SSO_URL}/serving-endpoints/${name}/invocations`);
  await expect(page.getByTestId("served-entities")).toContainText("90 %");
  for (const chart of ["chart-rps", "chart-latency", "chart-errors"]) {
    await expect(page.getByTestId(chart).locator(".recharts-line path.recharts-curve").first()).toBeVisible();
  }
  const legend = page.getByTestId("chart-rps").locator(".recharts-legend-item-text");
  await expect(legend).toHaveCount(2);
  expect((await legend.allTextContents()).sort()).toEqual(["canary (v2)", "current (v1)"]);
  const drift = page.getByTestId("drift-columns");
  await expect(drift.locator("tr").nth(1)).toContainText("age");
  await expect(drift.locator("tr").nth(1)).toContainText("major shift");
  await expect(page.getByTestId("prediction-distribution").locator(".recharts-bar-rectangle").first()).toBeVisible();

  // Snippets: curl by default, copyable; the MLflow client names the endpoint.
  await expect(page.getByTestId("snippet")).toContainText(`curl -X POST ${SSO_URL}/serving-endpoints/${name}/invocations`);
  await page.getByRole("tab", { name: "MLflow client" }).click();
  await expect(page.getByTestId("snippet")).toContainText(`client.predict(endpoint="${name}"`);
  await expect(page.getByTestId("snippet")).not.toContainText(token);

  // Both start from the model's signature: one row of its columns.
  await expect(page.getByTestId("snippet")).toContainText(
    'inputs={"dataframe_split": {"columns": ["age", "plan"], "data": [[1, "text"]]}}',
  );
  expect(JSON.parse(await page.getByTestId("try-body").inputValue())).toEqual({
    dataframe_split: { columns: ["age", "plan"], data: [[1, "text"]] },
  });
  await expect(page.getByTestId("try-note")).toHaveCount(0);

  // Try it: the body goes to the invocations route with the session and its answer is shown, whatever it is.
  await page.getByTestId("try-send").click();
  await expect(page.getByTestId("try-status")).toHaveText(/^\d{3} in \d+ ms$/);
  // A refused call (no replica serves: the rollouts fail) has its own row in the log, newest of all.
  const tryStatus = Number(((await page.getByTestId("try-status").textContent()) ?? "").slice(0, 3));
  const tryErrors = tryStatus >= 400 ? [String(tryStatus)] : [];

  // The request log: 25 a page, newest first; errors only; the next page; the export of the filtered rows.
  const log = page.getByTestId("request-log");
  await expect(log.getByTestId("log-row")).toHaveCount(25);
  await page.getByTestId("log-filters").getByLabel("Status").selectOption("error");
  await page.getByTestId("apply-filters").click();
  await expect(log.getByTestId("log-row")).toHaveCount(20 + tryErrors.length, { timeout: 40_000 });
  await expect(log.getByTestId("log-status")).toHaveText([...tryErrors, ...Array<string>(20).fill("500")]);
  await page.getByTestId("log-filters").getByLabel("Status").selectOption("");
  await page.getByTestId("log-filters").getByLabel("Caller").fill("bob");
  await page.getByTestId("apply-filters").click();
  await expect(log.getByTestId("log-row")).toHaveCount(25);
  await page.getByTestId("older").click();
  await expect(page.getByText("Page 2")).toBeVisible();
  await expect(log.getByTestId("log-row")).toHaveCount(23); // bob made 48 of the last hour's requests
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-log").click()]);
  const lines = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\n");
  expect(lines).toHaveLength(48);
  expect(lines.every((l) => (JSON.parse(l) as { caller: string }).caller === "bob")).toBe(true);
  await shoot(page, `/serving/${name}`, "serving-endpoint");

  // Rollback to revision 1: a confirmation, then a new revision 3 with revision 1's config, rolling out.
  await page.getByTestId("rollback-1").click();
  await page.getByTestId("confirm-rollback").click();
  // Rolling out, and failed at once by the reconciler for the same reason as the first two.
  await expect(page.getByTestId("revision-3")).toContainText(/rolling out|failed/);
  await expect(page.getByTestId("revision-3")).toContainText(`${model} v1 · 100 %`);
  const after = (await (await request.get(`${API}/${name}`, { headers })).json()) as { pending_config: { config_version: number } };
  expect(after.pending_config.config_version).toBe(3);

  // Deploy from the model version page: the second endpoint alice may own is made and its page opens ...
  await page.goto(`${SSO_URL}/models/${model}/versions/2`);
  await page.getByTestId("deploy-open").click();
  await shoot(page, `/models/${model}/versions/2`, "deploy-form");
  const form = page.getByTestId("deploy-form");
  await expect(form.getByLabel("Endpoint name")).toHaveValue(`${model}-2`);
  await form.getByLabel("Serve").selectOption("a:champion");
  await form.getByLabel("Endpoint name").fill(`champion-${stamp}`);
  await form.getByLabel("People who may call it").fill("bob");
  await page.getByTestId("deploy-submit").click();
  await expect(page).toHaveURL(`${SSO_URL}/serving/champion-${stamp}`);
  await expect(page.getByTestId("served-entities")).toContainText("follows @champion");
  await expect(page.getByTestId("grants")).toContainText("bob");

  // ... and a third is refused where she pressed Deploy, in the allowance's sentence; nothing was made.
  await page.goto(`${SSO_URL}/models/${model}/versions/2`);
  await page.getByTestId("deploy-open").click();
  await page.getByTestId("deploy-form").getByLabel("Endpoint name").fill(`third-${stamp}`);
  await page.getByTestId("deploy-submit").click();
  await expect(page.getByTestId("deploy-error")).toHaveText(
    "You already own 2 of the 2 serving endpoints role 'user' allows; delete one first or ask an admin for more.",
  );
  await expect(page).toHaveURL(`${SSO_URL}/models/${model}/versions/2`);
  expect((await request.get(`${API}/third-${stamp}`, { headers })).status()).toBe(404);
});
