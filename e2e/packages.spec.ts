import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startTestIndex, type TestIndex } from "../lib/packages/test-index";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot, screenshotBothWidths } from "./support/screens";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";

/**
 * The package browser against a PEP 691 index served by this test from wheels it builds, on a portal
 * of its own with PYPI_INDEX_URL set; installs go into a real workspace on the real engine.
 */

const OWNER = "pk-dana";
const OTHER = "pk-eve";
const BASE = localUrl(extraPort(10));
const DISTS = [
  { name: "Atrium_Demo.Pkg", version: "1.0.0", summary: "A tiny package the Atrium tests build and serve.", sdist: true },
  // Built for CPython 3.11 only, with no source: it cannot install into the default image's Python 3.13.
  {
    name: "Atrium_Demo.Pkg",
    version: "1.0.5",
    summary: "A tiny package the Atrium tests build and serve.",
    wheelTag: "cp311-cp311-manylinux2014_x86_64",
  },
  { name: "Atrium_Demo.Pkg", version: "1.1.0", summary: "A tiny package the Atrium tests build and serve.", requiresPython: ">=3.8" },
  {
    name: "Atrium_Demo.Pkg",
    version: "1.2.0",
    summary: "A tiny package the Atrium tests build and serve.",
    yanked: "imports the wrong module",
  },
  { name: "Atrium_Demo.Pkg", version: "2.0.0rc1", summary: "A tiny package the Atrium tests build and serve." },
  { name: "atrium-plots", version: "0.3.1", summary: "Charts for the demo." },
];
const EXTRA = ["numpy", "pandas", "scikit-learn", "scipy", "matplotlib", "seaborn", "polars", "pyarrow", "requests", "torch"].concat(
  Array.from({ length: 30 }, (_, i) => `demo-lib-${String(i).padStart(2, "0")}`),
);

test.describe.configure({ mode: "serial" });

let index: TestIndex;
let portal: RunningPortal;
let ownerToken = "";
/** The portal's settings, kept to restart it with another workspace index (its data directory, so its PGlite, stays). */
let portalEnv: Record<string, string> = {};
let otherToken = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await removeWorkspaces([OWNER, OTHER]);
  // On all interfaces: the workspace reaches it through host.docker.internal (the engine's bridge).
  index = await startTestIndex({ format: "json", dists: DISTS, extraProjects: EXTRA, host: "0.0.0.0" });
  portalEnv = {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-packages-")),
    ATRIUM_PUBLIC_URL: BASE,
    ATRIUM_ADMIN_USERS: "admin",
    PYPI_INDEX_URL: index.url,
    ATRIUM_WORKSPACE_PIP_INDEX_URL: index.urlVia("host.docker.internal"),
  };
  portal = await startPortal("packages", extraPort(10), portalEnv);
});

test.afterAll(async () => {
  await portal?.stop();
  await index?.stop();
  await removeWorkspaces([OWNER, OTHER]);
});

test("the API searches, pages and describes packages, and refuses bad names", async ({ request }) => {
  ownerToken = await userWithToken(request, BASE, OWNER);
  otherToken = await userWithToken(request, BASE, OTHER);
  const h = bearer(ownerToken);
  const search = await request.get(`${BASE}/api/packages?q=ATRIUM&limit=1`, { headers: h });
  expect(search.status()).toBe(200);
  expect(await search.json()).toMatchObject({
    total: 2,
    offset: 0,
    limit: 1,
    items: [{ name: "atrium-plots", latest: "0.3.1" }],
    format: "json",
  });
  const page2 = (await (await request.get(`${BASE}/api/packages?q=atrium&offset=1&limit=1`, { headers: h })).json()) as {
    items: unknown[];
  };
  expect(page2.items).toEqual([{ name: "Atrium_Demo.Pkg", latest: "1.1.0" }]);
  const detail = await request.get(`${BASE}/api/packages/atrium.demo-pkg`, { headers: h });
  expect(detail.status()).toBe(200);
  const d = (await detail.json()) as { name: string; summary: string; latest: string; versions: { version: string; yanked: boolean }[] };
  expect([d.name, d.summary, d.latest]).toEqual(["Atrium_Demo.Pkg", "A tiny package the Atrium tests build and serve.", "1.1.0"]);
  expect(d.versions.map((v) => `${v.version}${v.yanked ? " (yanked)" : ""}`)).toEqual([
    "2.0.0rc1",
    "1.2.0 (yanked)",
    "1.1.0",
    "1.0.5",
    "1.0.0",
  ]);
  expect((await request.get(`${BASE}/api/packages/no-such-package`, { headers: h })).status()).toBe(404);
  const bad = await request.get(`${BASE}/api/packages/${encodeURIComponent("--index-url=http://evil")}`, { headers: h });
  expect(bad.status()).toBe(400);
  expect(await errorCode(bad)).toBe("invalid_path");
  expect((await request.get(`${BASE}/api/packages?limit=1000`, { headers: h })).status()).toBe(400);
  expect((await request.get(`${BASE}/api/packages?q=x`)).status()).toBe(401);
});

test("install checks the name, version, owner and workspace state before pip runs", async ({ request }) => {
  test.setTimeout(120_000);
  const url = `${BASE}/api/users/${OWNER}/servers/default/packages`;
  const h = bearer(ownerToken);
  const notYet = await request.post(url, { headers: h, data: { name: "atrium-demo-pkg" } });
  expect(notYet.status()).toBe(404);
  expect(await errorCode(notYet)).toBe("server_not_found");
  expect(
    (
      await request.post(`${BASE}/api/users/${OWNER}/servers/default`, {
        headers: h,
        data: { environment: "python", cpu: 0.5, memGb: 0.5 },
      })
    ).status(),
  ).toBe(202);
  await expect
    .poll(
      async () =>
        ((await (await request.get(`${BASE}/api/users/${OWNER}/servers/default`, { headers: h })).json()) as { status: string }).status,
      { timeout: 90_000 },
    )
    .toBe("running");
  for (const [data, field] of [
    [{ name: "--index-url=http://evil.example/simple" }, "The package must be a package name"],
    [{ name: "atrium-demo-pkg", version: "1.0; rm -rf ~" }, "Version must be a PEP 440 version"],
    [{ name: "atrium-demo-pkg", version: ">=1.0" }, "Version must be a PEP 440 version"],
    [{ name: "atrium-demo-pkg", extra: ["--pre"] }, 'Unknown field "extra"'],
  ] as const) {
    const res = await request.post(url, { headers: h, data });
    expect(res.status(), JSON.stringify(data)).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(field);
  }
  // A pinned version whose only wheel is for another Python is refused before pip runs, saying why.
  const unfit = await request.post(url, { headers: h, data: { name: "atrium-demo-pkg", version: "1.0.5" } });
  expect(unfit.status()).toBe(409);
  expect(await errorCode(unfit)).toBe("version_does_not_fit");
  expect(((await unfit.json()) as { message: string }).message).toContain(
    "Atrium_Demo.Pkg 1.0.5 cannot be installed into pk-dana/default: it has no source and its wheels (cp311-cp311-manylinux2014_x86_64) are not for Python 3.13",
  );
  const denied = await request.post(url, { headers: bearer(otherToken), data: { name: "atrium-demo-pkg" } });
  expect(denied.status()).toBe(403);
  expect(await errorCode(denied)).toBe("forbidden");
  expect((await request.get(url, { headers: bearer(otherToken) })).status()).toBe(403);
});

test("a person searches, opens a package and installs it into their running workspace", async ({ page, request }) => {
  test.setTimeout(120_000);
  await devSignIn(page, BASE, OWNER);
  await page.getByRole("link", { name: "Packages" }).click();
  await expect(page.getByRole("heading", { name: "Packages" })).toBeVisible();
  await expect(page.getByTestId("packages-range")).toHaveText("1–20 of 42");
  await screenshot(page, "packages-browse");
  await page.getByLabel("Package name").fill("atrium demo");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("package-results").getByRole("link")).toHaveCount(1);
  await expect(page.getByTestId("package-results")).toContainText("Atrium_Demo.Pkg1.1.0");
  await screenshot(page, "packages-search");
  await page.getByRole("link", { name: /Atrium_Demo\.Pkg/ }).click();
  await expect(page.getByTestId("package-name")).toContainText("Atrium_Demo.Pkg");
  await expect(page.getByTestId("package-summary")).toHaveText("A tiny package the Atrium tests build and serve.");
  await expect(page.getByTestId("version-1.2.0")).toContainText("yanked: imports the wrong module");
  await expect(page.getByTestId("version-2.0.0rc1")).toContainText("pre-release");
  await expect(page.getByTestId("version-1.1.0")).toContainText(">=3.8");
  await expect(page.getByTestId("install-persistence")).toHaveText(
    "Installs in default go to your home folder and are kept when the workspace restarts.",
  );
  // The cp311-only version says so, and is offered greyed out with why; nothing is installed yet.
  await expect(page.getByTestId("version-1.0.5").getByTestId("version-python")).toHaveText("cp311 only");
  await expect(page.getByTestId("install-version").locator('option[value="1.0.5"]')).toBeDisabled();
  await expect(page.getByTestId("install-unfit")).toContainText("default runs Python 3.13");
  await expect(page.getByTestId("install-unfit")).toContainText("1 version of Atrium_Demo.Pkg cannot install there");
  await expect(page.getByTestId("install-installed")).toHaveText("Atrium_Demo.Pkg is not installed in default yet.");
  // Its terminal's pip uses the index the portal gives now: nothing to say about it.
  await expect(page.getByTestId("install-terminal-index")).toHaveCount(0);
  await screenshot(page, "package-detail");
  await page.getByTestId("install-version").selectOption("1.0.0");
  await page.getByRole("button", { name: "Install into default" }).click();
  await expect(page.getByTestId("install-working")).toBeVisible();
  await screenshot(page, "package-installing");
  await expect(page.getByTestId("install-result")).toContainText(`Installed Atrium_Demo.Pkg==1.0.0 into ${OWNER}/default.`, {
    timeout: 90_000,
  });
  await expect(page.getByTestId("install-output")).toContainText("Successfully installed Atrium_Demo.Pkg-1.0.0");
  await expect(page.getByTestId("install-output")).toContainText("$ pip install Atrium_Demo.Pkg==1.0.0");
  await expect(page.getByTestId("install-installed")).toHaveText("Atrium_Demo.Pkg 1.0.0 is installed in default (by you)");
  await screenshot(page, "package-installed");

  const installed = (await (
    await request.get(`${BASE}/api/users/${OWNER}/servers/default/packages`, { headers: bearer(ownerToken) })
  ).json()) as {
    name: string;
    version: string;
    inHome: boolean;
  }[];
  expect(installed.filter((p) => p.inHome).map((p) => `${p.name} ${p.version}`)).toEqual(["Atrium_Demo.Pkg 1.0.0"]);
});

test("after the index changes, the install panel says the running workspace's terminal pip still uses the old one", async ({ page }) => {
  test.setTimeout(240_000);
  // Issue 25 item 8: the operator moves the workspaces' index; the running workspace keeps the PIP_INDEX_URL it started with.
  await portal.stop();
  portalEnv = { ...portalEnv, ATRIUM_WORKSPACE_PIP_INDEX_URL: `${index.urlVia("host.docker.internal")}?moved=1` };
  portal = await startPortal("packages-moved", extraPort(10), portalEnv);
  await devSignIn(page, BASE, OWNER);
  await visit(page, `${BASE}/packages/atrium-demo-pkg`);
  await expect(page.getByTestId("install-terminal-index")).toHaveText(
    "The package index has changed since default started: installs from this page use the new one, but pip typed in its terminal still uses the index it started with until you restart default.",
    { timeout: 60_000 },
  );
  await screenshotBothWidths(page, "package-terminal-index");
});

test("environments show their Python packages and compare side by side", async ({ page, request }) => {
  test.setTimeout(90_000);
  const created = await request.post(`${BASE}/api/environments`, {
    headers: asBootstrap,
    data: {
      id: "python-copy",
      name: "Python (copy)",
      description: "The same image under another name.",
      image: "atrium-jupyterlab:1",
      defaultCpu: 1,
      defaultMemGb: 1,
    },
  });
  expect([201, 409]).toContain(created.status());
  await devSignIn(page, BASE, OWNER);
  await visit(page, `${BASE}/environments`);
  const python = page.getByTestId("env-packages-python");
  await expect(python).toContainText("Python 3.13", { timeout: 60_000 });
  await expect(python.getByTestId("env-persistence")).toHaveText("Packages you install go to your home folder and survive a restart.");
  const count = Number(await python.getByTestId("env-package-count").textContent());
  expect(count).toBeGreaterThan(20);
  await python.getByText("Show the packages").click();
  await expect(python).toContainText("jupyterlab");
  await screenshot(page, "environments-packages");
  await page.getByTestId("compare-link").click();
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page.getByTestId("compare-counts")).toContainText(`${count} same version`);
  await expect(page.getByText("Both environments have exactly the same packages.")).toBeVisible();
  await page.getByText(/Also show the/).click();
  await expect(page.getByTestId("compare-table")).toContainText("jupyterlab");
  await screenshot(page, "environments-compare");
});

test("a hung index answers 504 within seconds, a dead one 502, and a stopped workspace 409", async ({ request }) => {
  test.setTimeout(60_000);
  const h = bearer(ownerToken);
  index.pause();
  const t0 = Date.now();
  const slow = await request.get(`${BASE}/api/packages/pandas`, { headers: h });
  const took = Date.now() - t0;
  expect(slow.status()).toBe(504);
  expect(await errorCode(slow)).toBe("index_timeout");
  expect(took).toBeLessThan(8_000);
  await index.stop();
  const dead = await request.get(`${BASE}/api/packages/numpy`, { headers: h });
  expect(dead.status()).toBe(502);
  expect(((await dead.json()) as { message: string }).message).toBe(
    `The package index at ${index.url} cannot be reached (connection refused).`,
  );
  expect((await request.delete(`${BASE}/api/users/${OWNER}/servers/default`, { headers: h })).status()).toBe(202);
  const stopped = await request.post(`${BASE}/api/users/${OWNER}/servers/default/packages`, {
    headers: h,
    data: { name: "atrium-demo-pkg" },
  });
  expect(stopped.status()).toBe(409);
  expect(await errorCode(stopped)).toBe("server_not_running");
});

test("without PYPI_INDEX_URL the page explains what it is for and how to connect an index", async ({ page, request }) => {
  const token = await userWithToken(request, DEV_URL, "pk-fay");
  const res = await request.get(`${DEV_URL}/api/packages?q=x`, { headers: bearer(token) });
  expect(res.status()).toBe(503);
  expect(await errorCode(res)).toBe("index_not_configured");
  await devSignIn(page, DEV_URL, "pk-fay");
  await visit(page, `${DEV_URL}/packages`);
  await expect(page.getByTestId("packages-unconfigured")).toContainText("PYPI_INDEX_URL");
  await screenshot(page, "packages-unconfigured");
});
