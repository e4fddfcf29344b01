import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { derivedImage, fakePackageImage, type DerivedImage } from "../lib/packages/fake-package-image";
import { asBootstrap, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";
import { devSignIn, visit } from "./support/browser";

/**
 * The Experiments page's "Log from a notebook" panel, per environment, on a fresh portal of its own:
 * neither default image has mlflow, so it says how to install it and shows a REST snippet (which this
 * test runs); an environment whose image ships mlflow's dist-info gets the plain `import mlflow`
 * snippet; an image whose scan fails says so.
 */

const BASE = localUrl(extraPort(50));
const USER = "xm-noor";
const WITH_MLFLOW = `atrium-test-mlflow-e2e:${process.pid}`;
const NO_PYTHON = `atrium-test-nopython-e2e:${process.pid}`;

test.describe.configure({ mode: "serial" });

let portal: RunningPortal;
const images: DerivedImage[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  portal = await startPortal("experiments-mlflow", extraPort(50), {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-e2e-mlflow-")),
    ATRIUM_PUBLIC_URL: BASE,
  });
  images.push(await fakePackageImage("atrium-workspace:1", WITH_MLFLOW, { name: "mlflow", version: "3.1.0" }));
  images.push(await derivedImage("atrium-workspace:1", NO_PYTHON, 'rm -f "$(readlink -f "$(command -v python3)")"'));
});

test.afterAll(async () => {
  await portal?.stop();
  for (const image of images) await image.remove();
});

test("a fresh install: mlflow is not in the default environment, the page says how to install it and the REST snippet logs a run", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  const token = await userWithToken(request, BASE, USER);
  await devSignIn(page, BASE, USER);
  await visit(page, `${BASE}/experiments`);
  const python = page.getByTestId("mlflow-env-python");
  // The first visit scans the image: a loading state first (rendered before the scan answers), then the answer.
  await expect(python).toHaveAttribute("data-state", /checking|missing/);
  await expect(python).toHaveAttribute("data-state", "missing", { timeout: 60_000 });
  await expect(python).toContainText("mlflow not installed");
  const missing = page.getByTestId("mlflow-missing");
  await expect(missing).toContainText("is not installed in “Python 3.13 · JupyterLab”");
  // Why the default image has none, and what an admin does about it (README, "Environments").
  await expect(page.getByTestId("mlflow-missing-why")).toContainText("PYPI_INDEX_URL");
  await expect(page.getByTestId("install-mlflow-link")).toHaveAttribute("href", "/packages/mlflow");
  await expect(page.getByTestId("mlflow-works")).toHaveCount(0);
  const rest = (await page.getByTestId("rest-snippet").textContent()) ?? "";
  expect(rest).toContain('os.environ["MLFLOW_TRACKING_TOKEN"]');
  expect(rest).not.toContain(token);
  await screenshot(page, "experiments-mlflow-not-installed");

  // What the page shows is what works: run it as a workspace would, with the two variables it has.
  const output = execFileSync("python3", ["-c", rest], {
    env: { ...process.env, MLFLOW_TRACKING_URI: BASE, MLFLOW_TRACKING_TOKEN: token },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(output).toBe("");
  await visit(page, `${BASE}/experiments`);
  await expect(page.getByTestId("no-runs")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "my-experiment" })).toBeVisible();
  // Run twice: the experiment now exists and is found, not created again.
  execFileSync("python3", ["-c", rest], { env: { ...process.env, MLFLOW_TRACKING_URI: BASE, MLFLOW_TRACKING_TOKEN: token } });
  const search = await request.post(`${BASE}/api/2.0/mlflow/runs/search`, {
    headers: { authorization: `Bearer ${token}` },
    data: { experiment_ids: [await experimentId(request, token)] },
  });
  const runs = ((await search.json()) as { runs: { data: { metrics: { key: string; value: number }[] } }[] }).runs;
  expect(runs.map((r) => r.data.metrics)).toEqual([
    [expect.objectContaining({ key: "accuracy", value: 0.91 })],
    [expect.objectContaining({ key: "accuracy", value: 0.91 })],
  ]);
});

async function experimentId(request: APIRequestContext, token: string): Promise<string> {
  const res = await request.get(`${BASE}/api/2.0/mlflow/experiments/get-by-name`, {
    headers: { authorization: `Bearer ${token}` },
    params: { experiment_name: "my-experiment" },
  });
  return ((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
}

test("an environment whose image has mlflow gets the plain snippet; one whose scan fails says so", async ({ page, request }) => {
  test.setTimeout(90_000);
  for (const [id, name, image] of [
    ["with-mlflow", "Python with MLflow", WITH_MLFLOW],
    ["broken", "Broken image", NO_PYTHON],
  ] as const) {
    const created = await request.post(`${BASE}/api/environments`, {
      headers: asBootstrap,
      data: { id, name, description: "An e2e test image.", image, defaultCpu: 0.5, defaultMemGb: 0.5 },
    });
    expect(created.status()).toBe(201);
  }
  await devSignIn(page, BASE, USER);
  await visit(page, `${BASE}/experiments`);
  const withMlflow = page.getByTestId("mlflow-env-with-mlflow");
  await expect(withMlflow).toHaveAttribute("data-state", "installed", { timeout: 60_000 });
  await expect(withMlflow).toContainText("mlflow 3.1.0 installed");
  const works = page.getByTestId("mlflow-works");
  await expect(works).toContainText("In “Python with MLflow” this already works");
  await expect(works.getByTestId("mlflow-snippet")).toContainText('import mlflow\nmlflow.set_experiment("my-experiment")');
  // The default environment still lacks it, and the broken image's scan failure is named.
  await expect(page.getByTestId("mlflow-env-python")).toHaveAttribute("data-state", "missing");
  await expect(page.getByTestId("mlflow-missing")).toContainText("the snippet above then works");
  const broken = page.getByTestId("mlflow-env-broken");
  await expect(broken).toHaveAttribute("data-state", "failed", { timeout: 60_000 });
  await expect(broken).toContainText("could not check its packages");
  await screenshot(page, "experiments-mlflow-installed");

  // Only the environment with mlflow left: the page shows the one snippet and no install advice. The seeded
  // environment cannot be deleted (the portal would make it again): deprecated, nobody new picks it.
  expect((await request.delete(`${BASE}/api/environments/broken`, { headers: asBootstrap })).status()).toBe(204);
  const seeded = {
    name: "Python 3.13 · JupyterLab",
    image: "atrium-jupyterlab:1",
    defaultCpu: 1,
    defaultMemGb: 2,
    deprecated: true,
  };
  expect((await request.put(`${BASE}/api/environments/python`, { headers: asBootstrap, data: seeded })).status()).toBe(200);
  await visit(page, `${BASE}/experiments`);
  await expect(page.getByTestId("mlflow-env-with-mlflow")).toHaveAttribute("data-state", "installed");
  await expect(page.getByTestId("mlflow-env-python")).toHaveCount(0);
  await expect(page.getByTestId("mlflow-missing")).toHaveCount(0);
  await expect(page.getByTestId("rest-snippet")).toHaveCount(0);
  await screenshot(page, "experiments-mlflow-installed-only");
});
