import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { bearer, userWithToken } from "./support/api";
import { DEV_URL } from "./support/env";
import { screenshot, screenshotBothWidths } from "./support/screens";
import { devSignIn } from "./support/browser";

/**
 * The experiment pages in Chromium against the development portal: data is logged through the MLflow REST
 * API with a personal token (as a notebook would), then looked at through the pages.
 */

const USER = "xp-ann";
const EXPERIMENT = "xp-churn";
const SWEEP_RUNS = 27;

test.describe.configure({ mode: "serial" });

type Json = Record<string, unknown>;

function mlflow(request: APIRequestContext, token: string) {
  const h = bearer(token);
  const check = async (res: Awaited<ReturnType<APIRequestContext["post"]>>, what: string): Promise<Json> => {
    const text = await res.text();
    if (res.status() !== 200) throw new Error(`${what}: ${res.status()} ${text}`);
    return text ? (JSON.parse(text) as Json) : {};
  };
  return {
    post: async (path: string, data: Json) => check(await request.post(`${DEV_URL}/api/2.0/mlflow/${path}`, { headers: h, data }), path),
    get: (path: string, params: Record<string, string>) => request.get(`${DEV_URL}/api/2.0/mlflow/${path}`, { headers: h, params }),
  };
}

interface Seeded {
  experimentId: string;
  runs: Record<"deep" | "shallow" | "logreg", string>;
}

let seeded: Seeded | undefined;
let token = "";

/** 3 named runs with 50-step histories plus a sweep, so the table has two pages. */
async function seed(request: APIRequestContext): Promise<Seeded> {
  token = await userWithToken(request, DEV_URL, USER);
  const api = mlflow(request, token);
  const { experiment_id } = (await api.post("experiments/create", { name: EXPERIMENT })) as { experiment_id: string };
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const named = [
    { name: "xgb-deep", model: "xgboost", depth: "8", lr: "0.1", final: 0.93, minutes: 42 },
    { name: "xgb-shallow", model: "xgboost", depth: "3", lr: "0.1", final: 0.81, minutes: 12 },
    { name: "logreg", model: "logreg", depth: "1", lr: "0.01", final: 0.72, minutes: 3 },
  ] as const;
  const ids: string[] = [];
  for (const [i, r] of named.entries()) {
    const start = t0 + i * 3_600_000;
    const created = (await api.post("runs/create", { experiment_id, run_name: r.name, start_time: start })) as {
      run: { info: { run_id: string } };
    };
    const id = created.run.info.run_id;
    ids.push(id);
    const metrics = Array.from({ length: 50 }, (_, step) => {
      const progress = 1 - Math.exp(-step / 8);
      return [
        { key: "acc", value: 0.5 + (r.final - 0.5) * progress, timestamp: start + step * 1000 * r.minutes, step },
        { key: "loss", value: 1.2 * (1 - progress) + 0.1 + i * 0.05, timestamp: start + step * 1000 * r.minutes, step },
      ];
    }).flat();
    await api.post("runs/log-batch", {
      run_id: id,
      metrics,
      params: [
        { key: "model", value: r.model },
        { key: "depth", value: r.depth },
        { key: "lr", value: r.lr },
        { key: "seed", value: "42" },
      ],
      tags: [{ key: "team", value: i === 0 ? "growth" : "risk" }],
    });
    await api.post("runs/update", { run_id: id, status: "FINISHED", end_time: start + r.minutes * 60_000 });
  }
  for (let i = 0; i < SWEEP_RUNS; i++) {
    const start = t0 + 86_400_000 + i * 60_000;
    const created = (await api.post("runs/create", {
      experiment_id,
      run_name: `sweep-${String(i).padStart(2, "0")}`,
      start_time: start,
    })) as { run: { info: { run_id: string } } };
    const id = created.run.info.run_id;
    // Sweep accuracies stay between 0.6 and 0.86, below xgb-deep's 0.93 and above logreg's 0.72 only sometimes.
    await api.post("runs/log-batch", {
      run_id: id,
      metrics: [{ key: "acc", value: 0.6 + (i % 14) * 0.02, timestamp: start, step: 0 }],
      params: [
        { key: "model", value: "xgboost" },
        { key: "depth", value: String(2 + (i % 6)) },
        { key: "lr", value: "0.05" },
      ],
    });
    if (i % 5 !== 0)
      await api.post("runs/update", { run_id: id, status: i % 7 === 0 ? "FAILED" : "FINISHED", end_time: start + (i + 1) * 7_000 });
  }
  const [deep = "", shallow = "", logreg = ""] = ids;
  return { experimentId: experiment_id, runs: { deep, shallow, logreg } };
}

/** An MLmodel file in the run's model/ folder, as mlflow.sklearn.log_model leaves one. */
async function putMlmodel(request: APIRequestContext, runId: string): Promise<void> {
  const run = (await (await mlflow(request, token).get("runs/get", { run_id: runId })).json()) as {
    run: { info: { artifact_uri: string } };
  };
  const folder = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, "");
  const mlmodel = "artifact_path: model\nflavors:\n  sklearn:\n    pickled_model: model.pkl\n";
  const put = await request.put(`${DEV_URL}/api/2.0/mlflow-artifacts/artifacts/${folder}/model/MLmodel`, {
    headers: bearer(token),
    data: Buffer.from(mlmodel),
  });
  expect(put.status(), await put.text()).toBe(200);
}

const runNames = (page: Page) => page.getByTestId("run-row").getByTestId("run-name").allTextContents();

test.beforeAll(async ({ request }) => {
  seeded = await seed(request);
});

function data(): Seeded {
  if (!seeded) throw new Error("seeding failed");
  return seeded;
}

test("the experiments list shows run counts and how to log from a notebook; a new experiment can be created and renamed", async ({
  page,
}) => {
  await devSignIn(page, DEV_URL, USER);
  await page.getByRole("link", { name: "Experiments" }).click();
  await expect(page.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
  const row = page.getByTestId(`experiment-${data().experimentId}`);
  await expect(row.getByRole("link", { name: EXPERIMENT })).toBeVisible();
  await expect(row.locator("td").nth(1)).toHaveText(String(3 + SWEEP_RUNS));
  // The first visit reads the default image's packages: it has no mlflow, so the panel says how to get it.
  await expect(page.getByTestId("mlflow-env-python")).toHaveAttribute("data-state", "missing", { timeout: 60_000 });
  await expect(page.getByTestId("notebook-panel")).toContainText('mlflow.set_experiment("my-experiment")');
  await expect(page.getByTestId("notebook-panel")).toContainText(`export MLFLOW_TRACKING_URI=${DEV_URL}`);
  await screenshot(page, "experiments-list");

  await page.getByLabel("Experiment name").fill("xp-scratch");
  await page.getByRole("button", { name: "New experiment" }).click();
  await expect(page.getByTestId("experiment-name")).toHaveText("xp-scratch");
  await expect(page.getByTestId("no-matching-runs")).toHaveText("No runs in this experiment yet. Log one from a notebook (see below).");
  await expect(page.getByTestId("notebook-panel")).toContainText('mlflow.set_experiment("xp-scratch")');
  await screenshot(page, "experiments-empty-experiment");

  await page.goto(`${DEV_URL}/experiments`);
  const scratch = page.getByRole("row").filter({ hasText: "xp-scratch" });
  await scratch.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New name").fill("xp-scratch-2");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("link", { name: "xp-scratch-2" })).toBeVisible();
  // The Default experiment is built in: nobody but an admin may rename it.
  await expect(page.getByTestId("experiment-0").getByRole("button", { name: "Rename" })).toHaveCount(0);
});

test("the runs table pages, filters (a bad filter says why inline), sorts by a metric and picks columns", async ({ page }) => {
  // Many steps, each a server round trip: a minute is too little on a machine busy with containers.
  test.setTimeout(150_000);
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${data().experimentId}`);
  await expect(page.getByTestId("run-row")).toHaveCount(25);
  await expect(page.getByTestId("page-range")).toHaveText("Runs 1–25");
  // Newest first by default: the sweep started a day after the named runs.
  expect((await runNames(page))[0]).toBe("sweep-26");
  await page.getByRole("button", { name: "Next →" }).click();
  await expect(page.getByTestId("page-range")).toHaveText("Runs 26–30");
  await expect.poll(() => runNames(page)).toEqual(["sweep-01", "sweep-00", "logreg", "xgb-shallow", "xgb-deep"]);
  await page.getByRole("button", { name: "← Previous" }).click();
  await expect(page.getByTestId("page-range")).toHaveText("Runs 1–25");

  const filter = page.getByLabel("Filter runs");
  await filter.fill("metrics.acc >");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page.getByTestId("filter-error")).toBeVisible();
  await expect(page.getByTestId("filter-error")).toHaveText(/position 13/);
  await screenshot(page, "experiments-runs-bad-filter");

  await filter.fill("metrics.acc > 0.8 AND (params.depth = '8' OR params.lr = '0.1')");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page.getByTestId("filter-error")).toHaveCount(0);
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  expect((await runNames(page)).sort()).toEqual(["xgb-deep", "xgb-shallow"]);

  await filter.fill("params.model = 'xgboost' AND attributes.run_name LIKE 'xgb-%'");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  // The view is in the URL: a reload (or a colleague opening the link) sees the same filtered table.
  await expect
    .poll(() => new URL(page.url()).searchParams.get("filter"))
    .toBe("params.model = 'xgboost' AND attributes.run_name LIKE 'xgb-%'");
  await page.reload();
  await expect(page.getByLabel("Filter runs")).toHaveValue("params.model = 'xgboost' AND attributes.run_name LIKE 'xgb-%'");
  await expect(page.getByTestId("run-row")).toHaveCount(2);

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page.getByTestId("run-row")).toHaveCount(25);
  const accHeader = page.getByRole("columnheader", { name: /metric\s*acc/ });
  await accHeader.getByRole("button").click();
  await expect(accHeader).toHaveAttribute("aria-sort", "ascending");
  await expect.poll(async () => (await runNames(page))[0]).toBe("sweep-14"); // 0.6 ties with sweep-00; the newer run comes first
  await accHeader.getByRole("button").click();
  await expect(accHeader).toHaveAttribute("aria-sort", "descending");
  await expect.poll(async () => (await runNames(page)).slice(0, 2)).toEqual(["xgb-deep", "sweep-13"]);

  // Column picker: add the tag "team", drop the param "seed".
  await expect(page.getByRole("columnheader", { name: /param\s*seed/ })).toBeVisible();
  await page.getByRole("button", { name: /Columns/ }).click();
  const picker = page.getByRole("dialog", { name: "Choose columns" });
  await picker.getByRole("checkbox", { name: "team" }).check();
  await picker.getByRole("checkbox", { name: "seed" }).uncheck();
  await screenshot(page, "experiments-column-picker");
  await picker.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("columnheader", { name: /param\s*seed/ })).toHaveCount(0);
  // Escape closes it and gives the focus back to its button; so does a click outside it.
  const columns = page.getByRole("button", { name: /Columns/ });
  await columns.click();
  await expect(picker).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(picker).toHaveCount(0);
  await expect(columns).toBeFocused();
  await columns.click();
  await expect(picker).toBeVisible();
  await page.getByRole("heading", { level: 1 }).click();
  await expect(picker).toHaveCount(0);
  const deepRow = page.getByTestId("run-row").filter({ hasText: "xgb-deep" });
  await expect(deepRow.locator('[data-column="tags:team"]')).toHaveText("growth");
  await expect(deepRow.locator('[data-column="metrics:acc"]')).toHaveText("0.9291");
  await screenshot(page, "experiments-runs-table");
  // Sort and columns survive a reload too.
  await page.reload();
  await expect(page.getByRole("columnheader", { name: /metric\s*acc/ })).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByRole("columnheader", { name: /param\s*seed/ })).toHaveCount(0);
  await expect(page.getByTestId("run-row").filter({ hasText: "xgb-deep" }).locator('[data-column="tags:team"]')).toHaveText("growth");
});

test("a run page shows params, tags, latest metrics and a chart per metric, by step and by time", async ({ page }) => {
  await devSignIn(page, DEV_URL, USER);
  // The charts read the server's downsampled history, not the full get-history.
  const sampled = page.waitForResponse((r) => r.url().includes("/metrics/get-history-bulk-interval?") && r.status() === 200);
  await page.goto(`${DEV_URL}/runs/${data().runs.deep}`);
  await sampled;
  await expect(page.getByTestId("run-title")).toHaveText("xgb-deep");
  await expect(page.getByTestId("run-params")).toContainText("depth");
  await expect(page.getByTestId("run-params").getByRole("row", { name: /depth/ })).toContainText("8");
  await expect(page.getByTestId("run-tags")).toContainText("growth");
  await expect(page.getByTestId("latest-metrics")).toContainText("0.9291");
  const curve = page.getByTestId("chart-acc").locator("path.recharts-curve");
  await expect(curve).toHaveCount(1);
  // 50 points: a move and 49 line segments.
  const d = (await curve.getAttribute("d")) ?? "";
  expect(d.match(/[ML]/g)?.length).toBe(50);
  await expect(page.getByTestId("chart-loss").locator("path.recharts-curve")).toHaveCount(1);
  await screenshot(page, "experiments-run-page");
  await page.getByRole("radio", { name: "By time" }).click();
  // The axis now reads in elapsed time: 49 steps of 42 s each end at 34 min 18 s.
  await expect(page.getByTestId("chart-acc")).toContainText("min");
  await screenshot(page, "experiments-run-page-by-time");
});

test("comparing three runs highlights the params that differ and overlays their metrics", async ({ page }) => {
  test.setTimeout(120_000);
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${data().experimentId}`);
  await page.getByLabel("Filter runs").fill("attributes.run_name IN ('xgb-deep', 'xgb-shallow', 'logreg')");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page.getByTestId("run-row")).toHaveCount(3);
  for (const name of ["xgb-deep", "xgb-shallow", "logreg"]) await page.getByLabel(`Select ${name}`).check();
  await page.getByRole("link", { name: "Compare" }).click();
  await expect(page.getByRole("heading", { name: "Compare 3 runs" })).toBeVisible();
  // The breadcrumb names the experiment the runs are in, not "runs".
  await expect(page.getByTestId("compare-experiment")).toHaveText(EXPERIMENT);
  const params = page.getByTestId("compare-params");
  await expect(params.getByRole("row", { name: /depth/ })).toHaveAttribute("data-differs", "true");
  await expect(params.getByRole("row", { name: /model/ })).toHaveAttribute("data-differs", "true");
  await expect(params.getByRole("row", { name: /seed/ })).toHaveAttribute("data-differs", "false");
  await expect(params.getByRole("row", { name: /depth/ })).toContainText("8");
  await expect(page.getByTestId("chart-acc").locator("path.recharts-curve")).toHaveCount(3);
  await expect(page.getByTestId("chart-loss").locator("path.recharts-curve")).toHaveCount(3);
  await screenshot(page, "experiments-compare");
  await page.getByLabel("Only differences").check();
  await expect(params.getByRole("row", { name: /seed/ })).toHaveCount(0);
});

test("a model page lists versions with aliases, stage and the source run; a run registers a new version", async ({ page, request }) => {
  const api = mlflow(request, token);
  const { deep, shallow } = data().runs;
  await api.post("registered-models/create", {
    name: "xp-churn-model",
    description: "Predicts which customers leave next month.",
    tags: [{ key: "owner", value: "growth" }],
  });
  await api.post("model-versions/create", { name: "xp-churn-model", source: `runs:/${shallow}/model`, run_id: shallow });
  await api.post("model-versions/create", { name: "xp-churn-model", source: `runs:/${deep}/model`, run_id: deep });
  await api.post("registered-models/alias", { name: "xp-churn-model", alias: "champion", version: "2" });
  await api.post("model-versions/transition-stage", {
    name: "xp-churn-model",
    version: "1",
    stage: "Staging",
    archive_existing_versions: false,
  });

  await devSignIn(page, DEV_URL, USER);
  await page.getByRole("link", { name: "Models" }).click();
  await expect(page.getByTestId("models-table").getByRole("link", { name: "xp-churn-model" })).toBeVisible();
  await screenshot(page, "experiments-models-list");
  await page.getByRole("link", { name: "xp-churn-model" }).click();
  await expect(page.getByTestId("model-description").getByTestId("description")).toHaveText("Predicts which customers leave next month.");
  await expect(page.getByTestId("version-2")).toContainText("@champion");
  await expect(page.getByTestId("version-1")).toContainText("Staging");
  await expect(page.getByTestId("model-tags")).toContainText("growth");
  await expect(page.getByTestId("version-2").getByTestId("source-run")).toHaveText("xgb-deep");
  await expect(page.getByTestId("version-1").getByTestId("source-run")).toHaveText("xgb-shallow");
  await screenshot(page, "experiments-model-page");
  await page.getByTestId("version-2").getByTestId("source-run").click();
  await expect(page.getByTestId("run-title")).toHaveText("xgb-deep");

  // Register from the run page: refused while the run has no model files (no empty version is made), then a
  // third version of the same model once an MLmodel file is there.
  await page.getByRole("button", { name: "Register model" }).click();
  await page.getByLabel("Model name").fill("xp-churn-model");
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await expect(page.getByTestId("register-error")).toHaveText(
    'Run xgb-deep has no model files at "model" (no MLmodel file there), so there is nothing to register; log a model first, e.g. mlflow.sklearn.log_model(model, name="model").',
  );
  await screenshotBothWidths(page, "experiments-register-refused");
  const versions = (await (await api.get("model-versions/search", { filter: "name='xp-churn-model'" })).json()) as {
    model_versions?: unknown[];
  };
  expect(versions.model_versions).toHaveLength(2);
  // The portal's route refuses the same way for a script.
  const refused = await request.post(`${DEV_URL}/api/runs/${deep}/register`, { headers: bearer(token), data: { name: "xp-churn-model" } });
  expect(refused.status()).toBe(409);
  expect(await refused.json()).toMatchObject({ error: "no_model_files" });
  await putMlmodel(request, deep);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await expect(page.getByTestId("registered")).toHaveText("Registered as xp-churn-model version 3.");
  await page.getByTestId("registered").getByRole("link").click();
  await expect(page.getByTestId("version-3")).toBeVisible();
});

test("a model version page edits the description, points an alias, moves the stage and shows the model's files", async ({
  page,
  request,
}) => {
  const api = mlflow(request, token);
  await putMlmodel(request, data().runs.deep);

  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/models/xp-churn-model`);
  await page.getByTestId("version-2").getByRole("link", { name: "v2" }).click();
  await expect(page.getByTestId("version-title")).toHaveText(/xp-churn-model v2/);
  await expect(page.getByTestId("source-run")).toHaveText("xgb-deep");

  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Description", { exact: true }).fill("Depth 8, trained on January data.");
  await page.getByRole("button", { name: "Save description" }).click();
  await expect(page.getByTestId("description")).toHaveText("Depth 8, trained on January data.");

  await page.getByLabel("Alias", { exact: true }).fill("candidate");
  await page.getByRole("button", { name: "Point here" }).click();
  await expect(page.getByTestId("aliases")).toContainText("@candidate");
  await expect(page.getByTestId("aliases")).toContainText("@champion");
  await page.getByRole("button", { name: "Remove alias champion" }).click();
  await expect(page.getByTestId("aliases")).not.toContainText("@champion");
  // A reserved alias is refused with MLflow's reason, and nothing changes.
  await page.getByLabel("Alias", { exact: true }).fill("latest");
  await page.getByRole("button", { name: "Point here" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "'latest' alias name (case insensitive) is reserved." })).toBeVisible();
  await expect(page.getByTestId("aliases")).not.toContainText("@latest");

  await page.getByLabel("Stage", { exact: true }).selectOption("Production");
  await page.getByRole("button", { name: "Move", exact: true }).click();
  await expect(page.getByTestId("version-title")).toContainText("Production");

  await page.getByTestId("artifact-tree").getByText("MLmodel").click();
  await expect(page.getByText("pickled_model: model.pkl")).toBeVisible();
  await screenshot(page, "experiments-model-version-page");

  const stored = (await (await api.get("model-versions/get", { name: "xp-churn-model", version: "2" })).json()) as {
    model_version: { description: string; current_stage: string; aliases: string[] };
  };
  expect(stored.model_version).toMatchObject({
    description: "Depth 8, trained on January data.",
    current_stage: "Production",
    aliases: ["candidate"],
  });
});

test("a model is renamed and then deleted from its page; its runs stay", async ({ page, request }) => {
  const api = mlflow(request, token);
  const { logreg } = data().runs;
  await api.post("registered-models/create", { name: "xp-scratch-model" });
  await api.post("model-versions/create", { name: "xp-scratch-model", source: `runs:/${logreg}/model`, run_id: logreg });

  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/models/xp-scratch-model`);
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New name").fill("xp-baseline-model");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await expect(page).toHaveURL(/\/models\/xp-baseline-model$/);
  await expect(page.getByTestId("model-name")).toHaveText("xp-baseline-model");
  await expect(page.getByTestId("version-1").getByTestId("source-run")).toHaveText("logreg");

  await page.getByRole("button", { name: "Delete model" }).click();
  await expect(page.getByRole("group", { name: "Confirm deletion" })).toContainText("Delete xp-baseline-model and its 1 version?");
  await screenshot(page, "experiments-model-delete-confirm");
  await page.getByRole("button", { name: "Delete for good" }).click();
  await expect(page).toHaveURL(/\/models$/);
  await expect(page.getByTestId("models-table")).not.toContainText("xp-baseline-model");
  expect((await api.get("registered-models/get", { name: "xp-baseline-model" })).status()).toBe(404);
  expect((await api.get("runs/get", { run_id: logreg })).status()).toBe(200);
});

test("the chart view draws the runs the table's filter selects: bars, a scatter and parallel coordinates", async ({ page }) => {
  const { experimentId } = data();
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${experimentId}`);
  await page.getByTestId("display-charts").click();
  await expect(page).toHaveURL(/display=charts/);
  await expect(page.getByTestId("chart-run-count")).toHaveText(`Charting ${3 + SWEEP_RUNS} runs.`);
  await expect(page.getByTestId("chart-bars")).toHaveAttribute("data-points", String(3 + SWEEP_RUNS));
  // Scatter: acc against depth, every run has both.
  await page.getByLabel("Scatter X").selectOption("params:depth");
  await page.getByLabel("Scatter Y").selectOption("metrics:acc");
  await expect(page.getByTestId("chart-scatter")).toHaveAttribute("data-points", String(3 + SWEEP_RUNS));
  // Parallel coordinates over depth, lr and model → acc: a line per run.
  const parallel = page.getByTestId("chart-parallel");
  await page.getByRole("checkbox", { name: "seed" }).uncheck();
  await expect(parallel).toHaveAttribute("data-lines", String(3 + SWEEP_RUNS));
  await expect(parallel.locator("polyline")).toHaveCount(3 + SWEEP_RUNS);
  await screenshotBothWidths(page, "experiments-charts");

  // The table's filter drives the charts, and stays when switching back to the table.
  await page.getByLabel("Filter runs").fill("params.model = 'xgboost' AND metrics.acc > 0.85");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("chart-run-count")).toHaveText("Charting 2 runs that match the filter.");
  await expect(page.getByTestId("chart-bars")).toHaveAttribute("data-points", "2");
  await expect(parallel.locator("polyline")).toHaveCount(2);
  await page.getByTestId("display-table").click();
  await expect(page.getByTestId("run-row").getByTestId("run-name")).toHaveText(["sweep-13", "xgb-deep"]);
});

test("a run's name, description and tags are edited on its page; it is deleted after a confirmation and restored", async ({
  page,
  request,
  context,
}) => {
  const api = mlflow(request, token);
  const { experimentId } = data();
  const created = (await api.post("runs/create", { experiment_id: experimentId, run_name: "xp-edit-me" })) as {
    run: { info: { run_id: string } };
  };
  const id = created.run.info.run_id;
  await api.post("runs/set-tag", { run_id: id, key: "team", value: "growth" });

  // Someone else may read the run but not change it: no buttons, and the portal route refuses.
  const bob = await userWithToken(request, DEV_URL, "xp-bob");
  const foreign = await request.patch(`${DEV_URL}/api/runs/${id}`, { headers: bearer(bob), data: { name: "hijacked" } });
  expect(foreign.status()).toBe(403);
  expect(((await foreign.json()) as { message: string }).message).toMatch(/^Only /);

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/runs/${id}`);
  await page.getByTestId("copy-run-id").click();
  await expect(page.getByTestId("copy-run-id")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(id);

  await page.getByTestId("edit-run").click();
  const dialog = page.getByRole("dialog", { name: "Edit run" });
  await dialog.getByLabel("Run name").fill("xp-edited");
  await dialog.getByLabel("Description").fill("Baseline for the March review.\nSecond line.");
  await dialog.getByRole("button", { name: "Remove tag 1" }).click();
  await dialog.getByRole("button", { name: "+ Add tag" }).click();
  await dialog.getByLabel("Tag 1 key").fill("stage");
  await dialog.getByLabel("Tag 1 value").fill("review");
  await screenshotBothWidths(page, "experiments-run-edit");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId("run-title")).toHaveText("xp-edited");
  await expect(page.getByTestId("run-description")).toHaveText("Baseline for the March review.\nSecond line.");
  await expect(page.getByTestId("run-tags")).toContainText("stage");
  await expect(page.getByTestId("run-tags")).not.toContainText("team");
  const stored = (await (await api.get("runs/get", { run_id: id })).json()) as {
    run: { info: { run_name: string }; data: { tags: { key: string; value: string }[] } };
  };
  expect(stored.run.info.run_name).toBe("xp-edited");
  const tags = Object.fromEntries(stored.run.data.tags.map((t) => [t.key, t.value]));
  expect(tags).toMatchObject({
    stage: "review",
    "mlflow.note.content": "Baseline for the March review.\nSecond line.",
    "mlflow.runName": "xp-edited",
  });
  expect(tags.team).toBeUndefined();

  await page.getByTestId("delete-run").click();
  await expect(page.getByRole("dialog", { name: "Delete run xp-edited?" })).toContainText("you can restore it");
  await screenshotBothWidths(page, "experiments-run-delete-confirm");
  await page.getByTestId("confirm-delete-run").click();
  await expect(page.getByTestId("run-deleted-note")).toBeVisible();
  const gone = (await (await api.get("runs/get", { run_id: id })).json()) as { run: { info: { lifecycle_stage: string } } };
  expect(gone.run.info.lifecycle_stage).toBe("deleted");
  await screenshotBothWidths(page, "experiments-run-deleted");
  await page.goto(`${DEV_URL}/experiments/${experimentId}?filter=${encodeURIComponent("attributes.run_name = 'xp-edited'")}`);
  await expect(page.getByTestId("no-matching-runs")).toBeVisible();

  await page.goto(`${DEV_URL}/runs/${id}`);
  await page.getByTestId("restore-run").click();
  await expect(page.getByTestId("edit-run")).toBeVisible();
  const back = (await (await api.get("runs/get", { run_id: id })).json()) as { run: { info: { lifecycle_stage: string } } };
  expect(back.run.info.lifecycle_stage).toBe("active");
});
