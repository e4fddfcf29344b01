import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { workspaceLabel, workspaceOrigin } from "../lib/workspaces/workspace-host";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";
import { attackOutcome, attackScript, expectNotTakenOver, plantCustomJs } from "./support/custom-js-attack";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { hostRequest } from "./support/host-request";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * The hole: a workspace's JavaScript takes over an admin. A user plants ~/.jupyter/custom/custom.js
 * (Notebook 6 runs it on every page); when an admin opens her workspace, the script calls the portal's
 * API with the admin's cookie. Two portals, real Chromium, real workspace containers:
 * - without ATRIUM_WORKSPACE_HOST the workspace would run on the portal's origin, so admins are refused;
 * - with it the workspace runs on its own origin (`<label>.ws.localhost`), where the script runs but
 *   reaches nothing of the portal.
 */

const ADMIN = "c-admin";
const EVE = "c-eve"; // attacker on the portal without a workspace host
const MAL = "c-mal"; // attacker on the portal with one
const BOB = "c-bob";
const SERVER = "default";
const NO_HOST_PORT = extraPort(20);
const WS_PORT = extraPort(21);
const WS_DB = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_wsorigin$1");
const WS_DOMAIN = `ws.localhost`;
const wsHost = { domain: WS_DOMAIN, port: String(WS_PORT), scheme: "http" as const };
const wsHostHeader = (user: string, server = SERVER) => `${workspaceLabel(user, server)}.${WS_DOMAIN}:${WS_PORT}`;

test.describe.configure({ mode: "serial" });

const portals: RunningPortal[] = [];
test.beforeAll(() => removeWorkspaces([EVE, MAL, BOB]));
test.afterAll(async () => {
  await Promise.all(portals.map((p) => p.stop()));
  await removeWorkspaces([EVE, MAL, BOB]);
});

async function startAndWait(request: APIRequestContext, base: string, user: string, token: string): Promise<void> {
  const started = await request.post(`${base}/api/users/${user}/servers/${SERVER}`, { headers: bearer(token), data: { cpu: 0.5, memGb: 0.5, environment: "python" } });
  expect(started.status(), await started.text()).toBe(202);
  await expect
    .poll(async () => ((await (await request.get(`${base}/api/users/${user}/servers/${SERVER}`, { headers: bearer(token) })).json()) as { status: string }).status, {
      timeout: 90_000,
    })
    .toBe("running");
}

test("without a workspace host, an admin opening a user's workspace is refused, so her custom.js cannot take the admin over", async ({ page, request }) => {
  test.setTimeout(180_000);
  const base = localUrl(NO_HOST_PORT);
  portals.push(
    await startPortal("c-no-workspace-host", NO_HOST_PORT, {
      AUTH_SECRET,
      ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-c-nohost-")),
      ATRIUM_PUBLIC_URL: base,
      ATRIUM_ADMIN_USERS: ADMIN,
    }),
  );
  const eve = await userWithToken(request, base, EVE);
  await startAndWait(request, base, EVE, eve);
  await plantCustomJs(EVE, SERVER, attackScript(base, ADMIN, EVE));

  await devSignIn(page, base, ADMIN);
  const res = await visit(page, `${base}/user/${EVE}/${SERVER}/tree`);
  const outcome = await attackOutcome(page, 15_000);
  await expectNotTakenOver(request, base, ADMIN, EVE);
  expect(outcome, "the script must not have run on the portal's origin").toBeNull();
  expect(res?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Admins cannot open other people's workspaces here" })).toBeVisible();
  await expect(page.getByText("ATRIUM_WORKSPACE_HOST")).toBeVisible();
  await screenshot(page, "workspace-admin-refused");

  // The owner still opens her own workspace (her script runs, as her, and gains nothing).
  const own = await page.context().browser()!.newContext();
  const evePage = await own.newPage();
  await devSignIn(evePage, base, EVE);
  await visit(evePage, `${base}/user/${EVE}/${SERVER}/tree`);
  await expect(evePage.locator("#notebook_list")).toBeVisible({ timeout: 30_000 });
  await own.close();
  await expectNotTakenOver(request, base, ADMIN, EVE);
  // API tokens are not affected: a script cannot attach the admin's Authorization header.
  expect((await request.get(`${base}/user/${EVE}/${SERVER}/api/status`, { headers: asBootstrap })).status()).toBe(200);
  await request.delete(`${base}/api/users/${EVE}/servers/${SERVER}`, { headers: bearer(eve) });
});

test.describe("with ATRIUM_WORKSPACE_HOST", () => {
  let base = "";
  let mal = "";
  let bob = "";

  test.beforeAll(async ({ request }) => {
    test.setTimeout(180_000);
    await ensureDatabase(WS_DB);
    await resetDatabase(WS_DB);
    base = localUrl(WS_PORT);
    portals.push(
      await startPortal("c-workspace-host", WS_PORT, {
        AUTH_SECRET,
        ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
        DATABASE_URL: WS_DB,
        ATRIUM_PUBLIC_URL: base,
        ATRIUM_WORKSPACE_HOST: `${WS_DOMAIN}:${WS_PORT}`,
        ATRIUM_ADMIN_USERS: ADMIN,
      }),
    );
    mal = await userWithToken(request, base, MAL);
    bob = await userWithToken(request, base, BOB);
    await startAndWait(request, base, MAL, mal);
  });

  test("the admin opens a user's workspace on its own origin: her custom.js runs there and takes nothing over", async ({ page, request }) => {
    test.setTimeout(120_000);
    const origin = workspaceOrigin(wsHost, { user: MAL, server: SERVER });
    await plantCustomJs(MAL, SERVER, attackScript(base, ADMIN, MAL));
    // Her API token works on the workspace origin (Jupyter's contents API, through the proxy).
    const put = await hostRequest(WS_PORT, wsHostHeader(MAL), `/user/${MAL}/${SERVER}/api/contents/notes.txt`, {
      method: "PUT",
      headers: { authorization: `token ${mal}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "file", format: "text", content: "hello" }),
    });
    expect(put.status, put.body).toBe(201);

    await devSignIn(page, base, ADMIN);
    const sentToWorkspace: string[] = [];
    page.on("request", (r) => {
      if (r.url().startsWith(origin)) sentToWorkspace.push(r.headers()["cookie"] ?? "");
    });
    // The portal's address for the workspace sends the browser to the workspace origin.
    await visit(page, `${base}/user/${MAL}/${SERVER}/tree`);
    await expect(page).toHaveURL(`${origin}/user/${MAL}/${SERVER}/tree`, { timeout: 30_000 });
    await expect(page.locator("#notebook_list")).toBeVisible({ timeout: 30_000 });
    const outcome = await attackOutcome(page);
    expect(outcome, "the script runs, on the workspace origin").not.toBeNull();
    await expectNotTakenOver(request, base, ADMIN, MAL);
    // Same-origin calls hit the workspace proxy, which has no portal API.
    expect(outcome).toMatchObject({ samePatch: 404, sameToken: 404 });
    await screenshot(page, "workspace-origin-notebook");

    // The portal's session cookie never went to the workspace origin; the workspace's own cookie is
    // HttpOnly, Lax and scoped to this server.
    expect(sentToWorkspace.length).toBeGreaterThan(0);
    for (const cookie of sentToWorkspace) expect(cookie).not.toMatch(/authjs|next-auth/);
    const wsCookies = await page.context().cookies(`${origin}/user/${MAL}/${SERVER}/`);
    expect(wsCookies.map((c) => c.name)).not.toContain("authjs.session-token");
    const own = wsCookies.find((c) => c.name === "atrium-workspace");
    expect(own).toMatchObject({ httpOnly: true, sameSite: "Lax", path: `/user/${MAL}/${SERVER}/`, domain: new URL(origin).hostname });
    const portalCookies = await page.context().cookies(base);
    expect(portalCookies.find((c) => c.name === "authjs.session-token")?.domain).toBe("localhost");
  });
});
