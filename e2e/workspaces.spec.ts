import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, extraPort } from "./support/env";
import { startPortal } from "./support/portal";
import { screenshot } from "./support/screens";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";

/**
 * My workspaces, environments and the stopped-server page, in a real browser against the development
 * portal, with the real Docker engine and the seeded image atrium-jupyterlab:1 (JupyterLab 4).
 */

const OWNER = "ws-ann";
const OTHER = "ws-bob";
const ENGINE_DOWN_PORT = extraPort(5);

test.describe.configure({ mode: "serial" });

test.beforeAll(() => removeWorkspaces([OWNER, OTHER]));
test.afterAll(async ({ request }) => {
  for (const user of [OWNER, OTHER])
    await request.delete(`${DEV_URL}/api/users/${user}/servers/default`, { headers: asBootstrap }).catch(() => undefined);
  await removeWorkspaces([OWNER, OTHER]);
});

test("a new person starts a workspace, watches it start, sees its live use, opens Jupyter and stops it", async ({ page, context }) => {
  test.setTimeout(240_000);
  await devSignIn(page, DEV_URL, OWNER);
  await expect(page.getByRole("heading", { name: "My workspaces" })).toBeVisible();
  await expect(page.getByTestId("no-servers")).toHaveText("You have no workspaces yet. Pick an environment and start one.");

  // The start form: the seeded environment with its defaults, bounded by the user role (2 CPUs, 4 GiB).
  const env = page.getByLabel("Environment");
  await expect(env.locator("option:checked")).toHaveText("Python 3.13 · JupyterLab");
  await expect(page.getByTestId("cpu-value")).toHaveText("1 CPU");
  await expect(page.getByTestId("memory-value")).toHaveText("2 GiB");
  await expect(page.getByLabel("CPU", { exact: true })).toHaveAttribute("max", "2");
  await expect(page.getByLabel("Memory", { exact: true })).toHaveAttribute("max", "4");
  await expect(page.getByLabel("Workspace name")).toHaveValue("default");
  await screenshot(page, "workspaces-empty");

  await page.getByRole("button", { name: "Start", exact: true }).click();
  const row = page.getByTestId("server-default");
  // The start's answer, then one poll of the list and the allowance together: seconds on a busy machine.
  await expect(row).toBeVisible({ timeout: 30_000 });
  // The progress bar comes from the event stream; catch it while the server is starting.
  const bar = row.getByRole("progressbar", { name: "Starting default" });
  await expect(bar).toBeVisible();
  const value = Number(await bar.getAttribute("aria-valuenow"));
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(100);
  await expect(row.getByTestId("spawn-message")).not.toBeEmpty();
  await screenshot(page, "workspaces-starting");

  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "running", { timeout: 120_000 });
  await expect(row).toContainText("Python 3.13 · JupyterLab · 1 CPU · 2 GiB of memory");
  await expect(row).toContainText(/started just now · last active just now/);
  // Live use: one sample from the engine, against the allocation.
  await expect(row.getByTestId("live-cpu")).toContainText(/\d+\.\d\d of 1 core$/, { timeout: 20_000 });
  await expect(row.getByTestId("live-mem")).toContainText(/\d+(\.\d)? [KMG]iB of 2 GiB$/);
  // One server is all the user role allows: the form shows the server's own refusal, with whom to ask (a role
  // that allows more; which one depends on the roles other specs made in this database).
  await expect(page.getByTestId("no-room")).toHaveText(
    /^You already run 1 of the 1 server role 'user' allows; stop one first; an admin can give you the '[a-z0-9-]+' role\.$/,
  );
  await expect(page.getByRole("meter", { name: "Servers" })).toHaveAttribute("aria-valuenow", "1");
  await screenshot(page, "workspaces-running");

  // Open: a new tab on /user/<name>/default/, through the portal's proxy, lands on JupyterLab.
  const [jupyter] = await Promise.all([context.waitForEvent("page"), row.getByRole("link", { name: /Open/ }).click()]);
  await jupyter.waitForLoadState();
  await expect(jupyter).toHaveURL(new RegExp(`/user/${OWNER}/default/lab`), { timeout: 30_000 });
  await expect(jupyter.locator(".jp-LabShell")).toBeVisible({ timeout: 60_000 });
  await expect(jupyter).toHaveTitle(/JupyterLab/);
  await screenshot(jupyter, "workspace-jupyterlab");
  await jupyter.close();

  // Stop asks first; dismissed, nothing happens.
  page.once("dialog", (d) => void d.dismiss());
  await row.getByRole("button", { name: "Stop" }).click();
  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "running");
  // confirm() blocks the page until it is answered, so it is answered in the handler, not after the click.
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    void d.accept();
  });
  await row.getByRole("button", { name: "Stop" }).click();
  expect(asked).toBe("Stop default? Its kernels end and unsaved notebook changes are lost; your home folder stays.");
  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "stopped", { timeout: 60_000 });
  // The meter is read with the list: the moment the row says stopped, it no longer counts it as running.
  expect(await page.getByRole("meter", { name: "Servers" }).getAttribute("aria-valuenow")).toBe("0");
  await expect(row.getByRole("button", { name: "Start again" })).toBeVisible();
  await expect(row.getByRole("link", { name: /Open/ })).toHaveCount(0);
  await expect(page.getByTestId("start-form")).toBeVisible();
  await expect(page.getByTestId("start-form")).toContainText("Your stopped workspace “default” starts again with these settings");
  await screenshot(page, "workspaces-stopped");
});

test("the stats endpoint answers only for running servers and only to their owner or an admin", async ({ request }) => {
  const token = await userWithToken(request, DEV_URL, OWNER);
  const other = await userWithToken(request, DEV_URL, OTHER);
  const url = `${DEV_URL}/api/users/${OWNER}/servers/default/stats`;
  expect((await request.get(url)).status()).toBe(401);
  const forbidden = await request.get(url, { headers: bearer(other) });
  expect(forbidden.status()).toBe(403);
  const stopped = await request.get(url, { headers: bearer(token) });
  expect(stopped.status()).toBe(409);
  expect(await errorCode(stopped)).toBe("server_not_running");
  const missing = await request.get(`${DEV_URL}/api/users/${OWNER}/servers/nothing/stats`, { headers: bearer(token) });
  expect(missing.status()).toBe(404);
});

test("the page for a stopped server starts it again and then opens Jupyter; others are refused", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await devSignIn(page, DEV_URL, OWNER);
  await visit(page, `${DEV_URL}/servers/${OWNER}/default`);
  await expect(page.getByRole("heading", { name: `${OWNER}/default` })).toBeVisible();
  await expect(page.getByTestId("server-status")).toHaveAttribute("data-status", "stopped");
  await expect(page.getByText("This workspace is stopped.")).toBeVisible();
  await expect(page.getByRole("link", { name: "← Back to My workspaces" })).toBeVisible();
  const start = page.getByRole("button", { name: "Start", exact: true });
  await expect(start).toBeEnabled();
  await screenshot(page, "server-stopped");

  // Someone else sees a refusal, not the server.
  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await devSignIn(bob, DEV_URL, OTHER);
  const res = await visit(bob, `${DEV_URL}/servers/${OWNER}/default`);
  expect(res?.status()).toBe(403);
  await expect(bob.getByRole("heading", { name: "Not your workspace" })).toBeVisible();
  await expect(bob.getByRole("button", { name: "Start" })).toHaveCount(0);
  await screenshot(bob, "server-forbidden");
  // A server that never existed.
  await visit(bob, `${DEV_URL}/servers/${OTHER}/nothing`);
  await expect(bob.getByRole("heading", { name: `There is no server ${OTHER}/nothing.` })).toBeVisible();
  await bob.getByRole("link", { name: "Start a workspace named “nothing”" }).click();
  await expect(bob.getByLabel("Workspace name")).toHaveValue("nothing");
  await bobContext.close();

  // Start: the progress bar, then the browser goes to Jupyter by itself.
  await start.click();
  await expect(page.getByRole("progressbar", { name: "Starting default" })).toBeVisible();
  await screenshot(page, "server-starting");
  await expect(page).toHaveURL(new RegExp(`/user/${OWNER}/default/`), { timeout: 120_000 });
  await expect(page.locator(".jp-LabShell")).toBeVisible({ timeout: 60_000 });
  await visit(page, `${DEV_URL}/`);
  const row = page.getByTestId("server-default");
  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "running");
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Stop" }).click();
  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "stopped", { timeout: 60_000 });
});

test("everyone sees the environments; only admins add, deprecate and delete them", async ({ page }) => {
  test.setTimeout(120_000);
  await devSignIn(page, DEV_URL, OTHER);
  await page.getByRole("link", { name: "Environments" }).click();
  await expect(page).toHaveURL(`${DEV_URL}/environments`);
  const python = page.getByTestId("environment-python");
  await expect(python).toContainText("Python 3.13 · JupyterLab");
  await expect(python).toContainText("atrium-jupyterlab:1");
  await expect(python).toContainText("all roles");
  await expect(python.getByTestId("availability")).toHaveText("image ready on this host");
  await expect(page.getByTestId("add-environment")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Deprecate" })).toHaveCount(0);
  await screenshot(page, "environments-user");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await devSignIn(page, DEV_URL, "admin");
  // The admin role allows 16 CPUs a workspace; the start form offers no more than the engine has, and says why.
  const cap = page.getByTestId("machine-cpu-cap");
  await expect(cap).toContainText(
    /^The machine workspaces run on has \d+ CPUs?, so no workspace can have more, although your role allows 16 CPUs\.$/,
  );
  const machineCpus = Number(/has (\d+) CPU/.exec((await cap.textContent()) ?? "")?.[1]);
  await expect(page.getByLabel("CPU", { exact: true })).toHaveAttribute("max", String(machineCpus));
  await visit(page, `${DEV_URL}/environments`);
  // The seeded environment comes back at every start: it offers no Delete, and the API refuses one.
  const seeded = page.getByTestId("environment-python");
  await expect(seeded.getByTestId("seeded-note")).toHaveText("Made by the portal at start-up; deprecate it rather than delete it.");
  await expect(seeded.getByRole("button", { name: "Delete" })).toHaveCount(0);
  const refusedDelete = await page.request.delete(`${DEV_URL}/api/environments/python`, { headers: { origin: DEV_URL } });
  expect(refusedDelete.status()).toBe(409);
  expect(await errorCode(refusedDelete)).toBe("environment_seeded");
  const form = page.getByTestId("add-environment");
  await form.getByLabel("Id", { exact: true }).fill("e2e-missing");
  await form.getByLabel("Name", { exact: true }).fill("R 4.4 · JupyterLab");
  await form.getByLabel("Image", { exact: true }).fill("atrium-e2e/not-built:0");
  await form.getByLabel("Description", { exact: true }).fill("R with the tidyverse; its image was never built here.");
  await form.getByLabel("Command", { exact: true }).fill("jupyter\nlab\n--ServerApp.base_url={baseUrl}");
  await form.getByLabel("Roles allowed", { exact: true }).fill("user, admin");
  await form.getByLabel("Placement constraints", { exact: true }).fill("node.labels.lang==r");
  await form.getByRole("button", { name: "Add environment" }).click();
  const added = page.getByTestId("environment-e2e-missing");
  await expect(added).toBeVisible();
  await expect(added.getByTestId("availability")).toHaveText("image missing");
  await expect(added).toContainText("user, admin");
  await expect(added).toContainText("jupyter lab --ServerApp.base_url={baseUrl}");
  await expect(added.getByTestId("env-constraints")).toHaveText("Runs only on nodes with node.labels.lang==r");
  // The same id twice: the API's sentence is shown.
  await form.getByLabel("Id", { exact: true }).fill("e2e-missing");
  await form.getByLabel("Name", { exact: true }).fill("Again");
  await form.getByLabel("Image", { exact: true }).fill("x:1");
  await form.getByRole("button", { name: "Add environment" }).click();
  await expect(form.getByRole("alert")).toHaveText('An environment with the id "e2e-missing" already exists.');

  await added.getByRole("button", { name: "Deprecate" }).click();
  await expect(added).toContainText("deprecated");
  await expect(added.getByRole("button", { name: "Undeprecate" })).toBeVisible();
  // Deprecating sends every field but the constraints; they are kept.
  await expect(added.getByTestId("env-constraints")).toHaveText("Runs only on nodes with node.labels.lang==r");
  await screenshot(page, "environments-admin");

  // In the start form it comes last, tagged, and cannot be picked.
  await visit(page, `${DEV_URL}/`);
  const options = page.getByLabel("Environment").locator("option");
  await expect(options.last()).toHaveText("R 4.4 · JupyterLab [deprecated] — image missing");
  await expect(options.last()).toBeDisabled();
  await screenshot(page, "workspaces-admin");

  // Started anyway through the API, it fails, and the row says why in red.
  const started = await page.request.post(`${DEV_URL}/api/users/admin/servers/broken`, {
    headers: { origin: DEV_URL },
    data: { environment: "e2e-missing", cpu: 1, memGb: 1 },
  });
  expect(started.status()).toBe(202);
  const broken = page.getByTestId("server-broken");
  await expect(broken.getByTestId("server-status")).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(broken.getByTestId("server-reason")).toContainText("atrium-e2e/not-built:0");
  await expect(broken.getByRole("button", { name: "Start again" })).toBeVisible();
  await screenshot(page, "workspaces-failed");

  await visit(page, `${DEV_URL}/environments`);
  await added.getByRole("button", { name: "Undeprecate" }).click();
  await expect(added.getByRole("button", { name: "Deprecate" })).toBeVisible();
  await added.getByRole("button", { name: "Delete" }).click();
  await added.getByRole("button", { name: "Yes, delete" }).click();
  await expect(added).toHaveCount(0);
});

test("when the container engine is unreachable, the home page says so and the rest works", async ({ page }) => {
  test.setTimeout(120_000);
  const portal = await startPortal("pglite-engine-down", ENGINE_DOWN_PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-e2e-nodocker-")),
    ATRIUM_PUBLIC_URL: `http://localhost:${ENGINE_DOWN_PORT}`,
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
  });
  try {
    const base = `http://localhost:${ENGINE_DOWN_PORT}`;
    await devSignIn(page, base, "ws-cleo");
    await expect(page.getByTestId("engine-banner")).toContainText(
      "The container engine cannot be reached right now; workspaces can't start or stop. Everything else works.",
    );
    await expect(page.getByTestId("no-servers")).toBeVisible();
    await expect(page.getByRole("button", { name: "Start", exact: true })).toBeDisabled();
    await expect(page.getByText("Starting is paused until the container engine answers again.")).toBeVisible();
    // Everything else works: a token can still be made.
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByTestId("new-token")).toBeVisible();
    await screenshot(page, "workspaces-engine-down");
    // An admin's Servers page says the engine is down and names the command that starts it, instead of
    // "No workspace is running".
    await page.context().clearCookies();
    await devSignIn(page, base, "admin");
    await visit(page, `${base}/admin/servers`);
    await expect(page.getByTestId("engine-fix")).toContainText("sudo bash scripts/ensure-docker.sh");
    await expect(page.getByTestId("no-active-servers")).toContainText("The container engine does not answer");
    await expect(page.getByText("No workspace is running")).toHaveCount(0);
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `admin-servers-engine-down-${width}`);
    }
  } finally {
    await portal.stop();
  }
});
