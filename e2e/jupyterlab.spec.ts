import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { startTestIndex, type TestIndex } from "../lib/packages/test-index";
import { bearer, userWithToken } from "./support/api";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";
import { containersOf } from "./support/engine";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * JupyterLab 4 (the seeded environment, image atrium-jupyterlab:1) used through the portal in Chromium:
 * launcher, a notebook that computes with numpy/pandas, save and reopen, a terminal, a setting that
 * survives a restart, a package installed from the Packages page imported by a kernel that was already
 * running, the way back to Atrium, Log Out and Shut Down. Throughout, the browser never receives the
 * Jupyter token and never asks any origin but the portal's.
 */

const OWNER = "jl-june";
const BASE = localUrl(extraPort(40));
const LAB = `${BASE}/user/${OWNER}/default/lab`;
const docker = new Dockerode();

test.describe.configure({ mode: "serial" });

let index: TestIndex;
let portal: RunningPortal;
let token = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await removeWorkspaces([OWNER]);
  // On all interfaces: the workspace reaches it through host.docker.internal (the engine's bridge).
  index = await startTestIndex({
    format: "json",
    dists: [{ name: "Atrium_Demo.Pkg", version: "1.0.0", summary: "demo" }],
    host: "0.0.0.0",
  });
  portal = await startPortal("jupyterlab", extraPort(40), {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-jupyterlab-")),
    ATRIUM_PUBLIC_URL: BASE,
    PYPI_INDEX_URL: index.url,
    ATRIUM_WORKSPACE_PIP_INDEX_URL: index.urlVia("host.docker.internal"),
  });
});

test.afterAll(async ({ request }) => {
  if (token) await request.delete(`${BASE}/api/users/${OWNER}/servers/default`, { headers: bearer(token) }).catch(() => undefined);
  await portal?.stop();
  await index?.stop();
  await removeWorkspaces([OWNER]);
});

type ServerView = { status: string; reason?: string };

async function serverOf(request: APIRequestContext): Promise<ServerView> {
  const res = await request.get(`${BASE}/api/users/${OWNER}/servers/default`, { headers: bearer(token) });
  return res.status() === 404 ? { status: "none" } : ((await res.json()) as ServerView);
}

async function startAndWait(request: APIRequestContext): Promise<void> {
  const res = await request.post(`${BASE}/api/users/${OWNER}/servers/default`, {
    headers: bearer(token),
    data: { environment: "python", cpu: 1, memGb: 2 },
  });
  expect(res.status(), await res.text()).toBe(202);
  await expect.poll(async () => (await serverOf(request)).status, { timeout: 120_000, intervals: [500] }).toBe("running");
}

async function jupyterToken(): Promise<string> {
  const [c] = (await containersOf(OWNER)).filter((x) => x.State === "running");
  expect(c, "a running container").toBeDefined();
  const env = (await docker.getContainer(c?.Id ?? "").inspect()).Config.Env ?? [];
  const value = env.find((e) => e.startsWith("JUPYTER_TOKEN="))?.slice("JUPYTER_TOKEN=".length) ?? "";
  expect(value.length).toBeGreaterThan(20);
  return value;
}

/** Everything the page receives (documents, scripts, API answers, WebSocket frames) and every origin it asks. */
function watch(page: Page, secret: string) {
  const leaks: string[] = [];
  const foreign: string[] = [];
  const reads: Promise<void>[] = [];
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(`${BASE}/`) && !url.startsWith("data:") && !url.startsWith("blob:") && !url.startsWith("about:")) foreign.push(url);
  });
  page.on("response", (res) => {
    reads.push(
      res.body().then(
        (body) => {
          if (body.includes(secret) || res.url().includes(secret)) leaks.push(res.url());
          for (const v of Object.values(res.headers())) if (v.includes(secret)) leaks.push(`${res.url()} (header)`);
        },
        () => undefined, // redirects and aborted loads have no body
      ),
    );
  });
  page.on("websocket", (ws) => {
    if (ws.url().includes(secret)) leaks.push(ws.url());
    ws.on("framereceived", (f) => {
      if (String(f.payload).includes(secret)) leaks.push(`${ws.url()} (frame)`);
    });
  });
  return {
    async check() {
      await Promise.all(reads);
      expect(leaks, "responses that carried the Jupyter token").toEqual([]);
      expect(foreign, "requests to origins other than the portal (a CDN, PyPI, news)").toEqual([]);
    },
  };
}

async function openLab(page: Page): Promise<void> {
  await visit(page, LAB);
  await expect(page.locator(".jp-LabShell")).toBeVisible({ timeout: 60_000 });
  // The page config is scrubbed: the client holds no token (the portal adds it upstream).
  const config = JSON.parse((await page.locator("#jupyter-config-data").textContent()) ?? "{}") as { token?: string; baseUrl?: string };
  expect(config.baseUrl).toBe(`/user/${OWNER}/default/`);
  expect(config.token ?? "").toBe("");
}

async function menu(page: Page, top: string, ...path: string[]): Promise<void> {
  await page.locator(".lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
  for (const item of path)
    await page
      .locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) })
      .last()
      .click();
}

async function runCell(page: Page, code: string): Promise<void> {
  const editor = page.locator(".jp-NotebookPanel:visible .jp-Cell").last().locator(".cm-content");
  await editor.click();
  await page.keyboard.type(code);
  await page.keyboard.press("Shift+Enter");
}

test("JupyterLab through the portal: notebook, terminal, settings, packages, the way back, Log Out and Shut Down", async ({
  page,
  context,
  request,
}) => {
  test.setTimeout(480_000);
  token = await userWithToken(request, BASE, OWNER);
  await startAndWait(request);
  const secret = await jupyterToken();
  await devSignIn(page, BASE, OWNER);
  const seen = watch(page, secret);

  // The launcher, with notebooks and terminals.
  await openLab(page);
  const launcher = page.locator(".jp-Launcher");
  await expect(launcher).toBeVisible();
  await expect(launcher.locator('.jp-LauncherCard[data-category="Notebook"]')).toHaveCount(1);
  await expect(launcher.locator('.jp-LauncherCard[data-category="Other"]', { hasText: "Terminal" })).toHaveCount(1);
  await expect(page.locator(".jp-Notification-Toast, .jp-toast-message")).toHaveCount(0); // no news or update prompt
  await screenshot(page, "jupyterlab-launcher");

  // A notebook that does real work with the image's numpy and pandas, shows its output, and is saved.
  await launcher.locator('.jp-LauncherCard[data-category="Notebook"]').click();
  await expect(page.locator(".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator, .jp-NotebookPanel:visible")).toBeVisible();
  await expect(page.locator("#jp-main-statusbar")).toContainText("Idle", { timeout: 60_000 });
  await runCell(
    page,
    "import numpy as np, pandas as pd, scipy, sklearn, matplotlib\nprint('answer', int(pd.Series(np.arange(10)).sum() - 3))",
  );
  await expect(page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output").first()).toHaveText("answer 42", { timeout: 60_000 });
  await page.keyboard.press("Control+s");
  // JupyterLab 4 offers a name on the first save of an untitled notebook.
  await page.locator(".jp-Dialog").getByRole("button", { name: "Rename" }).click();
  await expect(page.locator(".jp-DirListing-item", { hasText: "Untitled.ipynb" })).toBeVisible();
  await expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).toHaveCount(0);
  await screenshot(page, "jupyterlab-notebook");

  // A package installed from the Packages page is importable in this running kernel, no restart.
  const packages = await context.newPage();
  await visit(packages, `${BASE}/packages/atrium-demo-pkg`);
  await packages.getByRole("button", { name: "Install into default" }).click();
  await expect(packages.getByTestId("install-result")).toContainText(`Installed Atrium_Demo.Pkg 1.0.0 into ${OWNER}/default.`, {
    timeout: 90_000,
  });
  await expect(packages.getByTestId("install-kernel-advice")).toContainText("Notebooks open in default can import it now");
  await screenshot(packages, "jupyterlab-package-installed");
  await packages.close();
  await runCell(page, "import atrium_demo_pkg; print(atrium_demo_pkg.GREETING)");
  await expect(page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output").last()).toHaveText("hello from atrium_demo_pkg 1.0.0", {
    timeout: 30_000,
  });
  await page.keyboard.press("Control+s");
  await expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).toHaveCount(0);

  // A terminal that runs a command (its output lands in a file the file browser then lists).
  await menu(page, "File", "New", "Terminal");
  const term = page.locator(".jp-Terminal:visible");
  await expect(term).toBeVisible();
  await term.click();
  await page.waitForTimeout(1000); // the shell's prompt
  await page.keyboard.type("echo from-terminal-$((6*7)) > terminal-proof.txt\n");
  await expect(page.locator(".jp-DirListing-item", { hasText: "terminal-proof.txt" })).toBeVisible({ timeout: 30_000 });
  const proof = await page.evaluate(
    async (url) => (await (await fetch(url)).json()) as { content: string },
    `${BASE}/user/${OWNER}/default/api/contents/terminal-proof.txt?type=file&format=text`,
  );
  expect(proof.content.trim()).toBe("from-terminal-42");
  await screenshot(page, "jupyterlab-terminal");

  // A setting: the dark theme.
  await menu(page, "Settings", "Theme", "JupyterLab Dark");
  await expect(page.locator("body")).toHaveAttribute("data-jp-theme-name", "JupyterLab Dark", { timeout: 30_000 });
  await page.waitForTimeout(1000); // the settings PUT and the workspace layout save

  // The way back to Atrium, from the File menu.
  await page.locator(".lm-MenuBar-itemLabel", { hasText: /^File$/ }).click();
  await expect(page.locator(".lm-Menu-itemLabel", { hasText: /^Back to Atrium$/ })).toBeVisible();
  await screenshot(page, "jupyterlab-file-menu");
  const [portalTab] = await Promise.all([
    context.waitForEvent("page"),
    page.locator(".lm-Menu-itemLabel", { hasText: /^Back to Atrium$/ }).click(),
  ]);
  await portalTab.waitForLoadState();
  await expect(portalTab).toHaveURL(`${BASE}/`);
  await expect(portalTab.getByRole("heading", { name: "My workspaces" })).toBeVisible();
  await portalTab.close();

  // A restart keeps the setting, the saved notebook and the open tabs (all on the home volume).
  expect((await request.delete(`${BASE}/api/users/${OWNER}/servers/default`, { headers: bearer(token) })).status()).toBeLessThan(300);
  await expect.poll(async () => (await serverOf(request)).status, { timeout: 60_000 }).toBe("stopped");
  await startAndWait(request);
  const secret2 = await jupyterToken();
  const seen2 = watch(page, secret2);
  await openLab(page);
  await expect(page.locator("body")).toHaveAttribute("data-jp-theme-name", "JupyterLab Dark");
  await page.locator(".lm-TabBar-tab", { hasText: "Untitled.ipynb" }).click();
  await expect(page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output").first()).toHaveText("answer 42", { timeout: 30_000 });
  await screenshot(page, "jupyterlab-after-restart");

  // Jupyter's own error page carries no token either.
  await visit(page, `${BASE}/user/${OWNER}/default/no-such-page`);
  await openLab(page);

  // Log Out: the portal's sign-out, which signs out of Atrium.
  await menu(page, "File", "Log Out");
  await expect(page).toHaveURL(`${BASE}/signout`);
  await expect(page.getByRole("heading", { name: "Sign out of Atrium?" })).toBeVisible();
  await screenshot(page, "jupyterlab-logout");
  await page.getByRole("main").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  expect(
    (
      await request.get(`${BASE}/api/me`, {
        headers: { cookie: (await context.cookies(BASE)).map((c) => `${c.name}=${c.value}`).join("; ") },
      })
    ).status(),
  ).toBe(401);

  // Shut Down: the server ends, and the portal records a stop from Jupyter, not a failure.
  await devSignIn(page, BASE, OWNER);
  await openLab(page);
  await menu(page, "File", "Shut Down");
  await page.locator(".jp-Dialog").getByRole("button", { name: "Shut Down" }).click();
  await expect(page.locator(".jp-Dialog")).toContainText("Server stopped", { timeout: 30_000 });
  await screenshot(page, "jupyterlab-shut-down");
  await seen.check();
  await seen2.check();
  // Jupyter ends, and with it the container, with exit code 0 ...
  await expect
    .poll(async () => (await containersOf(OWNER)).map((c) => c.State), { timeout: 60_000, intervals: [1000] })
    .not.toContain("running");
  const [ended] = await containersOf(OWNER);
  if (ended) expect((await docker.getContainer(ended.Id).inspect()).State.ExitCode).toBe(0);
  // ... which the portal records as the owner's stop at once, not at the next reconcile (every 30 s): the
  // workspace list's usage poll finds the container gone (lib/workspaces/reconcile.ts, reconcileServer).
  const t0 = Date.now();
  await visit(page, `${BASE}/`);
  await expect(page.getByTestId("server-default").getByTestId("server-when")).toContainText("stopped from Jupyter", { timeout: 20_000 });
  expect(Date.now() - t0).toBeLessThan(20_000);
  await screenshot(page, "workspaces-stopped-from-jupyter");
  expect(await serverOf(request)).toMatchObject({ status: "stopped", reason: "stopped from Jupyter" });
});
