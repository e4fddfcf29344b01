import { expect, test, type Page } from "@playwright/test";
import { bearer, mlflowPost, userWithToken } from "./support/api";
import { writeHomeOf } from "./support/engine";
import { devSignIn, visit } from "./support/browser";
import { DEV_URL } from "./support/env";

/**
 * Every page at a phone's width (390 px, an iPhone 14) and a desktop's (1440 px): nothing may make the
 * page wider than the screen (wide tables scroll inside their own box), and the top navigation folds
 * into a menu button. The screenshots of both widths land in the e2e output directory for people to look at.
 * Signed in as the development portal's admin ("admin" is in its ATRIUM_ADMIN_USERS) so the admin pages show.
 */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const ADMIN = "admin";

/** Runs, a model, a job and a serving endpoint with the long names and many columns that make pages wide. */
async function seed(request: Parameters<typeof userWithToken>[0]) {
  const token = await userWithToken(request, DEV_URL, ADMIN);
  const post = (op: string, data: Record<string, unknown>) => mlflowPost(request, DEV_URL, token, op, data);
  const { experiment_id: experimentId } = (await post("experiments/create", { name: `phone-layout-${Date.now()}` })) as {
    experiment_id: string;
  };
  const runs: string[] = [];
  for (const [i, name] of ["a-run-with-a-rather-long-descriptive-name", "baseline"].entries()) {
    const { run } = (await post("runs/create", { experiment_id: experimentId, run_name: name, start_time: Date.now() })) as {
      run: { info: { run_id: string } };
    };
    runs.push(run.info.run_id);
    await post("runs/log-batch", {
      run_id: run.info.run_id,
      params: ["learning_rate", "max_depth", "n_estimators", "optimizer", "feature_set"].map((key) => ({ key, value: `${key}-${i}` })),
      metrics: ["accuracy", "validation_loss", "f1_score", "roc_auc"].map((key) => ({
        key,
        value: 0.5 + i / 10,
        timestamp: Date.now(),
        step: 0,
      })),
    });
  }
  const model = `phone-layout-model-${Date.now()}`;
  await post("registered-models/create", { name: model, description: "Predicts which customers leave next month." });
  await post("model-versions/create", { name: model, source: `runs:/${runs[0]}/model`, run_id: runs[0] });
  await writeHomeOf(request, DEV_URL, ADMIN, { "jobs/train-the-churn-model.ipynb": "{}" });
  const job = await request.post(`${DEV_URL}/api/jobs`, {
    headers: bearer(token),
    data: {
      name: `phone-nightly-${Date.now()}`,
      path: "jobs/train-the-churn-model.ipynb",
      environment: "python",
      cpu: 0.5,
      memGb: 0.5,
      timeoutS: 120,
      trigger: { kind: "cron", cron: "0 3 * * *", timeZone: "Europe/Berlin" },
    },
  });
  expect(job.status(), await job.text()).toBe(201);
  const { id: jobId } = (await job.json()) as { id: string };
  const endpoint = `phone-endpoint-${Date.now()}`;
  const served = await request.post(`${DEV_URL}/api/2.0/serving-endpoints`, {
    headers: bearer(token),
    data: { name: endpoint, config: { served_entities: [{ entity_name: model, entity_version: "1" }] } },
  });
  expect(served.status(), await served.text()).toBe(200);
  const project = `phone-project-${Date.now()}`;
  const made = await request.post(`${DEV_URL}/api/projects`, {
    headers: bearer(token),
    data: { name: project, description: "The churn team's experiments, models and nightly jobs." },
  });
  expect(made.status(), await made.text()).toBe(201);
  return { experimentId, runs, model, jobId, endpoint, project };
}

async function settle(page: Page) {
  await page.waitForLoadState("networkidle");
  // Fonts and client components lay out after load; the width is read once the page is still.
  await page.evaluate(() => document.fonts.ready);
}

test("every page fits a 390 px screen and is screenshotted at 390 and 1440 px", async ({ page, request }, info) => {
  test.setTimeout(600_000); // 28 pages at two widths, on a machine busy with containers
  await page.setViewportSize(PHONE);
  await devSignIn(page, DEV_URL, ADMIN);
  const { experimentId, runs, model, jobId, endpoint, project } = await seed(request);
  const pages: Record<string, string> = {
    home: "/",
    environments: "/environments",
    "environments-compare": "/environments/compare",
    packages: "/packages",
    // No server is seeded (that needs a workspace container): the page's "no such server" state is shown.
    "server-page": `/servers/${ADMIN}/default`,
    // A link no one made: the page's "cannot be used" state (the share dialog and Shared with me are
    // screenshotted at both widths by e2e/workspace-origin.spec.ts, which has a running workspace).
    "share-accept": `/share/accept?code=${"x".repeat(43)}`,
    jobs: "/jobs",
    job: `/jobs/${jobId}`,
    experiments: "/experiments",
    experiment: `/experiments/${experimentId}`,
    traces: `/experiments/${experimentId}?tab=traces`,
    run: `/runs/${runs[0]}`,
    compare: `/compare?runs=${runs.join(",")}`,
    models: "/models",
    model: `/models/${model}`,
    "model-version": `/models/${model}/versions/1`,
    serving: "/serving",
    "serving-endpoint": `/serving/${endpoint}`,
    projects: "/projects",
    project: `/projects/${project}`,
    "admin-users": "/admin/users",
    "admin-user": `/admin/users/${ADMIN}`,
    "admin-roles": "/admin/roles",
    "admin-usage": "/admin/usage",
    "admin-audit": "/admin/audit",
    "admin-servers": "/admin/servers",
    "admin-webhooks": "/admin/webhooks",
  };
  const tooWide: string[] = [];
  for (const [name, path] of Object.entries(pages)) {
    await page.setViewportSize(PHONE);
    await visit(page, `${DEV_URL}${path}`);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    await settle(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.width) tooWide.push(`${name} (${path}) is ${width} px wide`);
    await page.screenshot({ path: info.outputPath(`${name}-390.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
    await settle(page);
    await page.screenshot({ path: info.outputPath(`${name}-1440.png`), fullPage: true });
  }
  expect(tooWide, "pages wider than a 390 px screen").toEqual([]);
});

test("at 390 px the navigation is behind a menu button that opens, closes on Escape and gives focus back", async ({ page }, info) => {
  await page.setViewportSize(PHONE);
  await devSignIn(page, DEV_URL, ADMIN);
  await visit(page, `${DEV_URL}/`);
  await settle(page);
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav.getByRole("link", { name: "Experiments" })).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "Experiments" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Projects" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  // Focus moves into the menu, and Escape closes it and gives focus back to the button.
  await expect(nav.getByRole("link", { name: "Workspaces" })).toBeFocused();
  await page.screenshot({ path: info.outputPath("menu-open-390.png") });
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav.getByRole("link", { name: "Experiments" })).toBeHidden();
  await expect(menu).toBeFocused();
  // Following a link closes the menu.
  await menu.click();
  await nav.getByRole("link", { name: "Models" }).click();
  await expect(page).toHaveURL(`${DEV_URL}/models`);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  // At a desktop's width the links are in the bar and there is no menu button.
  await page.setViewportSize(DESKTOP);
  await expect(menu).toBeHidden();
  await expect(nav.getByRole("link", { name: "Experiments" })).toBeVisible();
});
