import { expect, test, type Browser, type Page } from "@playwright/test";
import { SSO_URL } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * Projects through the pages (docs/projects.md), with people who sign in through the real OIDC provider: an owner
 * creates a project, is refused removing its last owner where she acted, adds a second person as viewer and creates
 * an experiment in the project from the create form's picker; the viewer sees the project and its experiment read
 * only and may not change its members, on the page or through the API.
 */

const PROJECT = "vision-e2e";
const EXPERIMENT = "vision-baseline";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

// Generous per test: each drives two browsers through several production pages on a loaded shared machine.
test.describe.configure({ mode: "serial", timeout: 180_000 });

async function signInWithSso(browser: Browser, username: string, password: string, expected: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await page.goto(`${SSO_URL}/`);
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Generous: on a loaded machine the header fills in its name after the page itself.
  await expect(page.getByTestId("me-name")).toHaveText(expected, { timeout: 30_000 });
  return page;
}

/** The page at both widths, for people to look at (e2e/screenshots), and no wider than a phone's screen. */
async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits 390 px`).toBeLessThanOrEqual(PHONE.width);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(DESKTOP);
  await page.waitForLoadState("networkidle");
  await screenshot(page, `${name}-1440`);
}

/** Opens the page and waits until it has settled: typing before React hydrates a form is lost. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${SSO_URL}${path}`);
  await page.waitForLoadState("networkidle");
}

/** A request from the page itself, with its session cookie and origin, as the page's own scripts make them. */
async function fetchStatus(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; error?: string }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json().catch(() => ({}))) as { error?: string };
      return { status: res.status, ...(json.error ? { error: json.error } : {}) };
    },
    { method, path, body },
  );
}

let owner: Page;
let viewer: Page;

test.beforeAll(async ({ browser }) => {
  // Two sign-ins through the provider: generous on a loaded machine.
  test.setTimeout(180_000);
  // Pat signs in first so that there is a person of that name to add.
  viewer = await signInWithSso(browser, "Pat.Power@Example.com", "pat-pw", "pat.power");
  owner = await signInWithSso(browser, "alice", "alice-pw", "alice");
});
test.afterAll(async () => {
  await owner?.context().close();
  await viewer?.context().close();
});

test("someone in no project sees what a project is and how to make one", async () => {
  await viewer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  await expect(viewer.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await expect(viewer.getByTestId("projects-empty")).toContainText("You are not in any project yet.");
  await expect(viewer.getByTestId("projects-empty")).toContainText("ask one of its owners to add you");
  await screenshots(viewer, "projects-empty");
});

test("an owner creates a project and is refused removing its last owner where she acted", async () => {
  await open(owner, `/projects`);
  await owner.getByLabel("Name", { exact: true }).fill(PROJECT);
  await expect(owner.getByLabel("Name", { exact: true })).toHaveValue(PROJECT);
  await owner.getByLabel("Description", { exact: true }).fill("Image models for the shop floor cameras.");
  await owner.getByRole("button", { name: "Create project" }).click();
  await expect(owner).toHaveURL(`${SSO_URL}/projects/${PROJECT}`, { timeout: 20_000 });
  await owner.waitForLoadState("networkidle");
  await expect(owner.getByTestId("project-title")).toHaveText(PROJECT);
  const me = owner.getByTestId("member-alice");
  await expect(me.getByLabel("Role of alice")).toHaveValue("owner");

  // Demoting herself, the only owner: refused under her row, and she stays owner.
  await me.getByLabel("Role of alice").selectOption("editor");
  await expect(me.getByTestId("member-error")).toContainText("needs an owner: make someone else an owner first");
  await expect(me.getByLabel("Role of alice")).toHaveValue("owner");
  // Removing herself: the same refusal, in the same place.
  await me.getByRole("button", { name: "Remove alice" }).click();
  await expect(me.getByTestId("member-error")).toContainText("needs an owner");
  await owner.reload();
  await owner.waitForLoadState("networkidle");
  await expect(owner.getByTestId("member-alice")).toBeVisible();
  // A person who does not exist: refused under the add form.
  await owner.getByLabel("Person's user name").fill("nobody-here");
  await owner.getByRole("button", { name: "Add", exact: true }).click();
  await expect(owner.getByTestId("add-member-error")).toContainText('There is no person named "nobody-here".');
});

test("someone outside the project finds no trace of it", async () => {
  const res = await fetchStatus(viewer, "GET", `/api/projects/${PROJECT}`);
  expect(res).toEqual({ status: 404, error: "project_not_found" });
  await open(viewer, `/projects/${PROJECT}`);
  await expect(viewer.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(viewer.getByText(PROJECT)).toHaveCount(0);
  await open(viewer, `/projects`);
  await expect(viewer.getByTestId("projects-empty")).toBeVisible();
});

test("the owner adds a viewer and creates an experiment in the project from the picker", async () => {
  await open(owner, `/projects/${PROJECT}`);
  await owner.getByLabel("Person's user name").fill("pat.power");
  await owner.getByLabel("Role of the new member").selectOption("viewer");
  await owner.getByRole("button", { name: "Add", exact: true }).click();
  await expect(owner.getByTestId("member-pat.power").getByLabel("Role of pat.power")).toHaveValue("viewer");

  // The experiments page's create form, reached from the project page, has the project picked.
  await owner.getByTestId("new-experiment-here").click();
  await expect(owner).toHaveURL(`${SSO_URL}/experiments?project=${PROJECT}`, { timeout: 20_000 });
  await owner.waitForLoadState("networkidle");
  const picker = owner.getByTestId("project-picker");
  await expect(picker).toHaveValue(PROJECT);
  await expect(picker.locator("option")).toHaveText(["Personal space (only you)", `${PROJECT} (owner)`]);
  await screenshots(owner, "experiments-project-picker");
  await owner.getByLabel("Experiment name").fill(EXPERIMENT);
  await owner.getByRole("button", { name: "New experiment" }).click();
  await expect(owner).toHaveURL(/\/experiments\/\d+$/, { timeout: 20_000 });

  await open(owner, `/projects/${PROJECT}`);
  await expect(owner.getByTestId("project-experiments").getByRole("link", { name: EXPERIMENT })).toBeVisible();
  await expect(owner.getByTestId("project-usage")).toContainText("Experiments1");
  await screenshots(owner, "project-owner");

  await open(owner, `/projects`);
  const row = owner.getByTestId(`project-${PROJECT}`);
  await expect(row).toContainText("owner");
  await expect(row.getByRole("cell")).toHaveText([new RegExp(PROJECT), "owner", "2", "1", "0", "0", "0"]);
  await screenshots(owner, "projects-list");
});

test("the viewer sees the project read-only and may not change its members, on the page or through the API", async () => {
  await open(viewer, `/projects`);
  await expect(viewer.getByTestId(`project-${PROJECT}`)).toContainText("viewer");
  await viewer.getByRole("link", { name: PROJECT }).click();
  await viewer.waitForLoadState("networkidle");
  await expect(viewer.getByTestId("project-title")).toHaveText(PROJECT);
  await expect(viewer.getByTestId("project-experiments").getByRole("link", { name: EXPERIMENT })).toBeVisible();
  await expect(viewer.getByTestId("members-read-only")).toBeVisible();
  await expect(viewer.getByTestId("add-member")).toHaveCount(0);
  await expect(viewer.getByRole("combobox")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /Remove/ })).toHaveCount(0);
  await expect(viewer.getByRole("heading", { name: "Settings" })).toHaveCount(0);
  await expect(viewer.getByTestId("new-experiment-here")).toHaveCount(0);
  await screenshots(viewer, "project-viewer");

  expect(await fetchStatus(viewer, "POST", `/api/projects/${PROJECT}/members`, { name: "pat.power", role: "owner" })).toEqual({
    status: 403,
    error: "permission_denied",
  });
  expect(await fetchStatus(viewer, "PATCH", `/api/projects/${PROJECT}/members/pat.power`, { role: "owner" })).toEqual({
    status: 403,
    error: "permission_denied",
  });
  expect(await fetchStatus(viewer, "DELETE", `/api/projects/${PROJECT}/members/alice`)).toEqual({
    status: 403,
    error: "permission_denied",
  });
  expect(await fetchStatus(viewer, "DELETE", `/api/projects/${PROJECT}`)).toEqual({ status: 403, error: "permission_denied" });

  // A viewer may not create in the project, so the create form offers only her personal space.
  await open(viewer, `/experiments?project=${PROJECT}`);
  await expect(viewer.getByLabel("Experiment name")).toBeVisible();
  await viewer.waitForLoadState("networkidle");
  await expect(viewer.getByTestId("project-picker")).toHaveCount(0);
  // And the MLflow API refuses her as the picker would have.
  const create = await viewer.evaluate(async (project) => {
    const res = await fetch("/ajax-api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json", "x-mlflow-workspace": project },
      body: JSON.stringify({ name: "not-allowed" }),
    });
    return res.status;
  }, PROJECT);
  expect(create).toBe(403);
});

test("the owner moves an experiment from her personal space into the project; the viewer sees it there and may not move it", async () => {
  const moved = "vision-moved-in";
  const made = await owner.evaluate(async (name) => {
    const res = await fetch("/ajax-api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    return (await res.json()) as { experiment_id: string };
  }, moved);
  await open(owner, `/experiments/${made.experiment_id}`);
  const control = owner.getByTestId("move-to-project");
  await expect(control.getByTestId("current-project")).toHaveText("its creator's personal space");
  await control.getByRole("button", { name: "Move to project…" }).click();
  const picker = control.getByTestId("project-picker");
  await expect(picker.locator("option")).toHaveText(["Personal space (only you)", `${PROJECT} (owner)`]);
  await picker.selectOption(PROJECT);
  await screenshots(owner, "experiment-move");
  await control.getByRole("button", { name: "Move", exact: true }).click();
  await expect(control.getByTestId("current-project")).toHaveText(`project ${PROJECT}`, { timeout: 20_000 });
  await screenshots(owner, "experiment-moved");

  await open(owner, `/projects/${PROJECT}`);
  await expect(owner.getByTestId("project-experiments").getByRole("link", { name: moved })).toBeVisible();
  await expect(owner.getByTestId("project-usage")).toContainText("Experiments2");

  // The viewer now reads it through the project, sees no move control, and the API refuses her a move.
  await open(viewer, `/projects/${PROJECT}`);
  await viewer.getByTestId("project-experiments").getByRole("link", { name: moved }).click();
  await expect(viewer.getByTestId("experiment-name")).toHaveText(moved, { timeout: 20_000 });
  await viewer.waitForLoadState("networkidle");
  await expect(viewer.getByTestId("move-to-project")).toHaveCount(0);
  expect(await fetchStatus(viewer, "POST", "/api/projects/default/move", { kind: "experiment", id: made.experiment_id })).toEqual({
    status: 403,
    error: "permission_denied",
  });
});
