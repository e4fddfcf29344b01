import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { workspaceLabel, workspaceOrigin } from "../lib/workspaces/workspace-host";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";
import { attackOutcome, attackScript, expectNotTakenOver, plantCustomJs } from "./support/custom-js-attack";
import postgres from "postgres";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { openWebSocket } from "../lib/proxy/ws-test-client";
import { hostRequest, setCookies } from "./support/host-request";
import { LOG_DIR, startPortal, type RunningPortal } from "./support/portal";
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
const CARL = "c-carl"; // nobody shares with him, until he takes a link
const SERVER = "default";
const NO_HOST_PORT = extraPort(20);
const WS_PORT = extraPort(21);
const WS_DB = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_wsorigin$1");
const WS_DOMAIN = `ws.localhost`;
const wsHost = { domain: WS_DOMAIN, port: String(WS_PORT), scheme: "http" as const };
const wsHostHeader = (user: string, server = SERVER) => `${workspaceLabel(user, server)}.${WS_DOMAIN}:${WS_PORT}`;

test.describe.configure({ mode: "serial" });

const portals: RunningPortal[] = [];
test.beforeAll(() => removeWorkspaces([EVE, MAL, BOB, CARL]));
test.afterAll(async () => {
  await Promise.all(portals.map((p) => p.stop()));
  await removeWorkspaces([EVE, MAL, BOB, CARL]);
});

async function startAndWait(request: APIRequestContext, base: string, user: string, token: string): Promise<void> {
  // Notebook 6 (the classic image) runs custom.js; the seeded JupyterLab 4 does not.
  const env = await request.post(`${base}/api/environments`, {
    headers: asBootstrap,
    data: {
      id: "classic",
      name: "Notebook 6",
      description: "Runs ~/.jupyter/custom/custom.js on every page.",
      image: "atrium-workspace:1",
      defaultCpu: 0.5,
      defaultMemGb: 0.5,
    },
  });
  expect([201, 409], await env.text()).toContain(env.status());
  const started = await request.post(`${base}/api/users/${user}/servers/${SERVER}`, {
    headers: bearer(token),
    data: { cpu: 0.5, memGb: 0.5, environment: "classic" },
  });
  expect(started.status(), await started.text()).toBe(202);
  await expect
    .poll(
      async () =>
        (
          (await (await request.get(`${base}/api/users/${user}/servers/${SERVER}`, { headers: bearer(token) })).json()) as {
            status: string;
          }
        ).status,
      {
        timeout: 90_000,
      },
    )
    .toBe("running");
}

test("without a workspace host, an admin opening a user's workspace is refused, so her custom.js cannot take the admin over", async ({
  page,
  request,
}) => {
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
  // The admin Servers page says why.
  await visit(page, `${base}/admin/servers`);
  await expect(page.getByTestId("workspace-origin-notice")).toHaveText(
    "Workspaces are served on the portal's origin, so admins cannot open other people's workspaces (set ATRIUM_WORKSPACE_HOST to allow it safely).",
  );
  await request.delete(`${base}/api/users/${EVE}/servers/${SERVER}`, { headers: bearer(eve) });
});

test("ATRIUM_ADMIN_ACCESS=true on the portal's origin: the start-up log and the admin Servers page say why that is dangerous", async ({
  page,
}) => {
  const port = extraPort(22);
  const base = localUrl(port);
  const portal = await startPortal("c-admin-access", port, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-c-adminaccess-")),
    ATRIUM_PUBLIC_URL: base,
    ATRIUM_ADMIN_USERS: ADMIN,
    ATRIUM_ADMIN_ACCESS: "true",
  });
  try {
    const log = readFileSync(path.join(LOG_DIR, "c-admin-access.log"), "utf8");
    expect(log).toContain(
      "[atrium] ATRIUM_ADMIN_ACCESS=true while workspaces share the portal's origin: any script a person puts in her workspace",
    );
    await devSignIn(page, base, ADMIN);
    await visit(page, `${base}/admin/servers`);
    const notice = page.getByRole("alert").filter({ hasText: "ATRIUM_ADMIN_ACCESS=true" });
    await expect(notice).toContainText("can make her an admin or create API tokens for that admin");
    await expect(notice).toContainText("Set ATRIUM_WORKSPACE_HOST");
    await screenshot(page, "admin-servers-admin-access-warning");
  } finally {
    await portal.stop();
  }
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

  test("the admin opens a user's workspace on its own origin: her custom.js runs there and takes nothing over", async ({
    page,
    request,
  }) => {
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
    // An admin in someone else's workspace is on the record.
    const audit = (await (await request.get(`${base}/api/audit?action=server.admin_open`, { headers: asBootstrap })).json()) as {
      items: { actor: string; target: string }[];
    };
    expect(audit.items).toContainEqual(expect.objectContaining({ actor: ADMIN, target: `${MAL}/${SERVER}` }));

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

  test("the handshake: a single-use code for one server, a cookie for that server only, no open redirect, no portal on the workspace origin", async ({
    request,
  }) => {
    test.setTimeout(150_000);
    await startAndWait(request, base, BOB, bob);
    const malHost = wsHostHeader(MAL);
    const bobHost = wsHostHeader(BOB);
    const portalHost = `localhost:${WS_PORT}`;
    const malOrigin = workspaceOrigin(wsHost, { user: MAL, server: SERVER });

    /** Steps 1 and 2: the workspace origin sends the browser to the portal, which hands out a code. */
    async function codeFor(user: string, token: string, path: string) {
      const start = await hostRequest(WS_PORT, wsHostHeader(user), path, { headers: { accept: "text/html" } });
      expect(start.status).toBe(302);
      const authorize = new URL(String(start.headers.location));
      expect(authorize.origin).toBe(base);
      const state = setCookies(start).get("atrium-workspace-state")?.value ?? "";
      expect(authorize.searchParams.get("state")).toBe(state);
      const issued = await hostRequest(WS_PORT, portalHost, `${authorize.pathname}${authorize.search}`, {
        headers: { authorization: `token ${token}` },
      });
      expect(issued.status, issued.body).toBe(302);
      return { callback: new URL(String(issued.headers.location)), state };
    }

    const { callback, state } = await codeFor(MAL, mal, `/user/${MAL}/${SERVER}/tree?x=1`);
    expect(callback.origin).toBe(malOrigin);
    expect(callback.pathname).toBe(`/user/${MAL}/${SERVER}/_atrium/auth-callback`);
    const done = await hostRequest(WS_PORT, malHost, `${callback.pathname}${callback.search}`, {
      headers: { cookie: `atrium-workspace-state=${state}` },
    });
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(`/user/${MAL}/${SERVER}/tree?x=1`);
    const cookie = setCookies(done).get("atrium-workspace");
    expect(cookie?.raw).toMatch(new RegExp(`; Path=/user/${MAL}/${SERVER}/; HttpOnly; SameSite=Lax; Max-Age=\\d+$`));
    const wsCookie = `atrium-workspace=${cookie?.value ?? ""}`;
    expect((await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/status`, { headers: { cookie: wsCookie } })).status).toBe(200);

    // The code works once.
    const again = await hostRequest(WS_PORT, malHost, `${callback.pathname}${callback.search}`, {
      headers: { cookie: `atrium-workspace-state=${state}` },
    });
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ error: "invalid_code" });
    // Mal's cookie does not open Bob's server, on Bob's origin or sent along with Bob's path to hers.
    expect((await hostRequest(WS_PORT, bobHost, `/user/${BOB}/${SERVER}/api/status`, { headers: { cookie: wsCookie } })).status).toBe(401);
    expect((await hostRequest(WS_PORT, malHost, `/user/${BOB}/${SERVER}/api/status`, { headers: { cookie: wsCookie } })).status).toBe(404);
    expect(
      (await hostRequest(WS_PORT, bobHost, `/user/${BOB}/${SERVER}/api/status`, { headers: { authorization: `token ${bob}` } })).status,
    ).toBe(200);
    // A code for Mal's server, taken to Bob's callback: refused, and burnt.
    const second = await codeFor(MAL, mal, `/user/${MAL}/${SERVER}/`);
    const atBob = await hostRequest(WS_PORT, bobHost, `/user/${BOB}/${SERVER}/_atrium/auth-callback${second.callback.search}`, {
      headers: { cookie: `atrium-workspace-state=${second.state}` },
    });
    expect(atBob.status).toBe(400);
    const burnt = await hostRequest(WS_PORT, malHost, `${second.callback.pathname}${second.callback.search}`, {
      headers: { cookie: `atrium-workspace-state=${second.state}` },
    });
    expect(burnt.status).toBe(400);
    // Not signed in at the portal: a browser is sent to sign in, an API client gets 401.
    const authorizePath = `/api/users/${MAL}/servers/${SERVER}/authorize?state=${"s".repeat(32)}`;
    const anonymous = await hostRequest(WS_PORT, portalHost, authorizePath, { headers: { accept: "text/html" } });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe("/signin");
    expect((await hostRequest(WS_PORT, portalHost, authorizePath)).status).toBe(401);
    // Mal gets no code for Bob's server.
    const forBob = await hostRequest(WS_PORT, portalHost, `/api/users/${BOB}/servers/${SERVER}/authorize?state=${"s".repeat(32)}`, {
      headers: { authorization: `token ${mal}` },
    });
    expect(forBob.status).toBe(403);

    // Open redirects: next must stay under the server's prefix.
    for (const next of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example/",
      `/user/${BOB}/${SERVER}/`,
      `/api/users/${MAL}`,
      `/user/${MAL}/${SERVER}/%2e%2e/%2e%2e/api/me`,
    ]) {
      const q = new URLSearchParams({ state: "s".repeat(32), next });
      const r = await hostRequest(WS_PORT, portalHost, `/api/users/${MAL}/servers/${SERVER}/authorize?${q.toString()}`, {
        headers: { authorization: `token ${mal}` },
      });
      expect(r.status, next).toBe(400);
      expect(JSON.parse(r.body), next).toMatchObject({ error: "invalid_next" });
    }

    // The workspace origin has no portal pages or APIs, and one server per label.
    for (const p of ["/api/me", `/api/users/${MAL}`, "/", "/admin/users", "/api/health"]) {
      expect((await hostRequest(WS_PORT, malHost, p, { headers: { authorization: `token ${mal}` } })).status, p).toBe(404);
    }
    // On the portal's host, /user/... only ever redirects there.
    const fromPortal = await hostRequest(WS_PORT, portalHost, `/user/${MAL}/${SERVER}/api/status`, {
      headers: { authorization: `token ${mal}` },
    });
    expect(fromPortal.status).toBe(307);
    expect(fromPortal.headers.location).toBe(`${malOrigin}/user/${MAL}/${SERVER}/api/status`);

    // WebSocket: a kernel's channels open from the workspace origin only.
    const kernel = await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/kernels`, {
      method: "POST",
      headers: { authorization: `token ${mal}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(kernel.status, kernel.body).toBe(201);
    const id = (JSON.parse(kernel.body) as { id: string }).id;
    const channels = `http://127.0.0.1:${WS_PORT}/user/${MAL}/${SERVER}/api/kernels/${id}/channels`;
    for (const origin of [base, workspaceOrigin(wsHost, { user: BOB, server: SERVER })]) {
      expect((await openWebSocket(channels, { Host: malHost, Cookie: wsCookie, Origin: origin })).status, origin).toBe(403);
    }
    const opened = await openWebSocket(channels, { Host: malHost, Cookie: wsCookie, Origin: malOrigin });
    expect(opened.status).toBe(101);
    if (opened.upgraded) opened.ws.close();
    await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/kernels/${id}`, {
      method: "DELETE",
      headers: { authorization: `token ${mal}` },
    });
    await request.delete(`${base}/api/users/${BOB}/servers/${SERVER}`, { headers: bearer(bob) });
  });

  test("sharing: the owner shares with bob, who finds it under Shared with me and opens it; revoking drops his kernel connection at once", async ({
    browser,
    request,
  }) => {
    test.setTimeout(240_000);
    const origin = workspaceOrigin(wsHost, { user: MAL, server: SERVER });
    const malHost = wsHostHeader(MAL);
    const portalHost = `localhost:${WS_PORT}`;
    const carl = await userWithToken(request, base, CARL);
    // A notebook for bob to open (Notebook 6 keeps its kernel's WebSocket open while the page is).
    const nb = await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/contents/shared.ipynb`, {
      method: "PUT",
      headers: { authorization: `token ${mal}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "notebook", content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }),
    });
    expect(nb.status, nb.body).toBe(201);
    // custom.js from the attack test above would run in bob's page too; this test is about sharing.
    await plantCustomJs(MAL, SERVER, "// nothing");

    // Nobody without a share gets in: no code at the portal, no way in with a token on the workspace origin.
    const authorizeAs = (token: string) =>
      hostRequest(WS_PORT, portalHost, `/api/users/${MAL}/servers/${SERVER}/authorize?state=${"s".repeat(32)}`, {
        headers: { authorization: `token ${token}` },
      });
    for (const token of [bob, carl]) {
      expect((await authorizeAs(token)).status).toBe(403);
      expect(
        (await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/status`, { headers: { authorization: `token ${token}` } })).status,
      ).toBe(403);
    }

    // The owner shares with bob in the dialog on her server page.
    const ownerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const owner = await ownerContext.newPage();
    await devSignIn(owner, base, MAL);
    await visit(owner, `${base}/servers/${MAL}/${SERVER}`);
    await owner.getByRole("button", { name: "Share…" }).click();
    const dialog = owner.getByRole("dialog", { name: `Share ${MAL}/${SERVER}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("note")).toHaveCount(0); // a workspace host is set: no warning
    await dialog.getByLabel("User name").fill(BOB);
    await dialog.getByRole("button", { name: "Share", exact: true }).click();
    await expect(dialog.getByTestId("share-list")).toContainText(BOB);
    await dialog.getByLabel("Expires in").selectOption({ label: "1 hour" });
    await dialog.getByRole("button", { name: "Make link" }).click();
    const link = await dialog.getByTestId("share-link").inputValue();
    expect(link).toMatch(new RegExp(`^${base}/share/accept\\?code=[A-Za-z0-9_-]{43}$`));
    await expect(dialog.getByText(/Unused link, expires/)).toBeVisible();
    await screenshot(owner, "share-dialog-1440");
    await owner.setViewportSize({ width: 390, height: 844 });
    expect(await owner.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(owner, "share-dialog-390");
    await owner.setViewportSize({ width: 1440, height: 900 });

    // Bob finds it on his home page and opens it: through the handshake, on the workspace's origin.
    const bobContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const bobPage = await bobContext.newPage();
    await devSignIn(bobPage, base, BOB);
    const shared = bobPage.getByTestId("shared-with-me");
    await expect(shared).toContainText(`${MAL}/${SERVER}`);
    await screenshot(bobPage, "shared-with-me-1440");
    await bobPage.setViewportSize({ width: 390, height: 844 });
    expect(await bobPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(bobPage, "shared-with-me-390");
    await bobPage.setViewportSize({ width: 1440, height: 900 });
    await shared.getByRole("link", { name: `Open ${MAL}/${SERVER}` }).click();
    await expect(bobPage).toHaveURL(new RegExp(`^${origin.replace(/\./g, "\\.")}/user/${MAL}/${SERVER}/`), { timeout: 30_000 });
    await expect(bobPage.locator("#notebook_list")).toBeVisible({ timeout: 30_000 });
    await visit(bobPage, `${origin}/user/${MAL}/${SERVER}/notebooks/shared.ipynb`);
    const connected = () => {
      const kernel = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } | null } } }).Jupyter?.notebook
        ?.kernel;
      return kernel ? kernel.is_connected() : null;
    };
    await expect.poll(() => bobPage.evaluate(connected), { timeout: 60_000 }).toBe(true);
    const audit = (await (await request.get(`${base}/api/audit?action=server.shared_open`, { headers: asBootstrap })).json()) as {
      items: { actor: string; target: string }[];
    };
    expect(audit.items).toContainEqual(expect.objectContaining({ actor: BOB, target: `${MAL}/${SERVER}` }));

    // The owner revokes: bob's kernel connection drops at once and does not come back.
    await dialog.getByRole("button", { name: `Revoke ${BOB}` }).click();
    await expect(dialog.getByTestId("share-list")).not.toContainText(BOB);
    await expect.poll(() => bobPage.evaluate(connected), { timeout: 15_000 }).toBe(false);
    // His workspace cookie opens nothing either (Node cannot resolve *.localhost: sent with the Host header instead).
    const bobsCookie = (await bobContext.cookies(`${origin}/user/${MAL}/${SERVER}/`)).find((c) => c.name === "atrium-workspace");
    expect(bobsCookie).toBeDefined();
    const status = await hostRequest(WS_PORT, malHost, `/user/${MAL}/${SERVER}/api/status`, {
      headers: { cookie: `atrium-workspace=${bobsCookie?.value ?? ""}` },
    });
    // 403 while the proxy's 5 s principal cache still knows the cookie, 401 once its session row is gone: refused either way.
    expect([401, 403]).toContain(status.status);
    expect((await authorizeAs(bob)).status).toBe(403);
    await visit(bobPage, `${base}/`);
    await expect(bobPage.getByTestId("shared-with-me")).toHaveCount(0);

    // The link: carl accepts it once in his browser and is in; the used link, an expired one and a forged one open nothing.
    const carlContext = await browser.newContext();
    const carlPage = await carlContext.newPage();
    await devSignIn(carlPage, base, CARL);
    await visit(carlPage, link);
    await expect(carlPage.getByRole("heading", { name: `${MAL} shares ${MAL}/${SERVER} with you` })).toBeVisible();
    await carlPage.getByRole("button", { name: "Accept" }).click();
    await expect(carlPage.getByTestId("shared-with-me")).toContainText(`${MAL}/${SERVER}`, { timeout: 20_000 });
    expect((await authorizeAs(carl)).status).toBe(302);
    await visit(bobPage, link);
    await expect(bobPage.getByRole("heading", { name: "This share link cannot be used" })).toBeVisible();
    const accept = (token: string, code: string) =>
      request.post(`${base}/api/share-codes/accept`, { headers: bearer(token), data: { code } });
    const used = await accept(bob, new URL(link).searchParams.get("code") ?? "");
    expect(used.status()).toBe(404);
    expect(await used.json()).toMatchObject({ error: "share_code_invalid" });
    expect((await accept(bob, "forged-".padEnd(43, "x"))).status()).toBe(404);
    const made = await request.post(`${base}/api/share-codes/${MAL}/${SERVER}`, { headers: bearer(mal), data: { expires_in: 3600 } });
    expect(made.status()).toBe(201);
    const { id, code } = (await made.json()) as { id: string; code: string };
    const sql = postgres(WS_DB, { max: 1, onnotice: () => {} });
    try {
      // An hour passes.
      await sql`update server_share_codes set expires_at = now() - interval '1 second' where id = ${id}`;
    } finally {
      await sql.end({ timeout: 2 });
    }
    expect((await accept(bob, code)).status()).toBe(404);
    expect((await authorizeAs(bob)).status).toBe(403);
    // Only the owner (or an admin) manages the shares: not bob, not carl whom it is shared with.
    for (const token of [bob, carl]) {
      expect((await request.post(`${base}/api/shares/${MAL}/${SERVER}`, { headers: bearer(token), data: { user: BOB } })).status()).toBe(
        403,
      );
      expect((await request.get(`${base}/api/share-codes/${MAL}/${SERVER}`, { headers: bearer(token) })).status()).toBe(403);
    }
    await request.delete(`${base}/api/shares/${MAL}/${SERVER}`, { headers: bearer(mal) });
    expect((await authorizeAs(carl)).status).toBe(403);
    await Promise.all([ownerContext.close(), bobContext.close(), carlContext.close()]);
  });

  test("links and the servers API point at the workspace origin; the admin Servers page says where workspaces are served", async ({
    page,
    request,
  }) => {
    const origin = workspaceOrigin(wsHost, { user: MAL, server: SERVER });
    const view = (await (await request.get(`${base}/api/users/${MAL}/servers/${SERVER}`, { headers: bearer(mal) })).json()) as {
      url: string;
    };
    expect(view.url).toBe(`${origin}/user/${MAL}/${SERVER}/`);
    await devSignIn(page, base, MAL);
    await expect(page.getByTestId(`server-${SERVER}`).getByRole("link", { name: /Open/ })).toHaveAttribute(
      "href",
      `${origin}/user/${MAL}/${SERVER}/`,
    );
    await page.context().clearCookies();
    await devSignIn(page, base, ADMIN);
    await visit(page, `${base}/admin/servers`);
    await expect(page.getByTestId("workspace-origin-notice")).toContainText(
      `Workspaces are served on their own origins, <label>.${WS_DOMAIN}`,
    );
    await screenshot(page, "admin-servers-workspace-host");
    // A keep-alive socket the portal closed while the page was rendered can reset this one request (it did once
    // in CI); a fresh request context opens a new connection, and the stop must still answer 2xx.
    const stop = await (
      await playwrightRequest.newContext()
    ).delete(`${base}/api/users/${MAL}/servers/${SERVER}`, { headers: bearer(mal) });
    expect(stop.ok()).toBe(true);
  });
});
