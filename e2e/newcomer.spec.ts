import { expect, test, type APIRequestContext } from "@playwright/test";
import postgres from "postgres";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, E2E_DATABASE_URL, extraPort, localUrl, PORTS } from "./support/env";
import { startPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * What a newcomer meets walking the README on the development portal: signing in at 127.0.0.1, the
 * favicon, someone else's workspace, a missing model, a refused form, a missing image, a start that
 * must fit lowered limits, deleting a server, a start's event log, dates, and a fresh usage chart.
 */

const ANN = "nc-ann";
const BOB = "nc-bob";
const CY = "nc-cy";
const MISSING_ENV = "nc-missing";
const MISSING_IMAGE = "atrium-workspace:nc-missing";
const UTC_MINUTE = /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/;

test.describe.configure({ mode: "serial" });

test.beforeAll(() => removeWorkspaces([ANN, CY]));
test.afterAll(async ({ request }) => {
  await request.delete(`${DEV_URL}/api/users/${CY}/servers/default`, { headers: asBootstrap }).catch(() => undefined);
  await request.delete(`${DEV_URL}/api/environments/${MISSING_ENV}`, { headers: asBootstrap }).catch(() => undefined);
  await removeWorkspaces([ANN, CY]);
});

async function serverOf(request: APIRequestContext, user: string, server: string) {
  const res = await request.get(`${DEV_URL}/api/users/${user}/servers/${server}`, { headers: asBootstrap });
  return { status: res.status(), body: (await res.json()) as { status?: string; reason?: string | null; cpu?: number; memGb?: number } };
}

test("signing in at 127.0.0.1 ends signed in, on the portal's public address", async ({ page }) => {
  const loopback = `http://127.0.0.1:${PORTS.dev}`;
  await visit(page, `${loopback}/`);
  // The cookie would be set on 127.0.0.1 and the redirect after sign-in go to localhost: the sign-in
  // page moves to the public address first.
  await expect(page).toHaveURL(`${DEV_URL}/signin`);
  await page.waitForLoadState("networkidle");
  await page.getByLabel("User name").fill(ANN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-name")).toHaveText(ANN);
  expect(new URL(page.url()).origin).toBe(DEV_URL);
});

test("every page has a favicon", async ({ page, request }) => {
  const icon = await request.get(`${DEV_URL}/favicon.ico`);
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/");
  const answers: number[] = [];
  page.on("response", (r) => {
    if (/\/favicon\.(ico|svg)/.test(r.url())) answers.push(r.status());
  });
  await visit(page, `${DEV_URL}/signin`);
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toMatch(/^\/favicon\.(svg|ico)/);
  expect((await request.get(`${DEV_URL}${href}`)).status()).toBe(200);
  expect(answers.every((s) => s === 200)).toBe(true);
});

test("someone else's workspace is a page saying whose it is, not JSON", async ({ page }) => {
  await devSignIn(page, DEV_URL, BOB);
  const res = await visit(page, `${DEV_URL}/user/${ANN}/default/lab`);
  expect(res?.status()).toBe(403);
  expect(res?.headers()["content-type"]).toContain("text/html");
  await expect(page.getByRole("heading", { name: "This workspace is not yours" })).toBeVisible();
  // Truthful: on this portal (no ATRIUM_ADMIN_ACCESS, no workspace host) an admin's browser cannot open it either.
  await expect(page.getByText(`Only ${ANN} may open this workspace.`, { exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to the portal" })).toBeVisible();
  // Styled as the portal's own pages: a white card on the page's grey.
  await expect(page.getByRole("main")).toHaveCSS("background-color", "rgb(255, 255, 255)");
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await screenshot(page, `newcomer-other-workspace-${width}`);
  }
});

test("a model or version that does not exist is the 404 page with status 404", async ({ page }) => {
  await devSignIn(page, DEV_URL, BOB);
  for (const path of ["/models/no-such-model-nc", "/models/no-such-model-nc/versions/1", `/models/${"x".repeat(200)}/versions/99999999`]) {
    const res = await visit(page, `${DEV_URL}${path}`);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }
  await screenshot(page, "newcomer-model-missing");
});

test("a refused form says which field is wrong in the form's words", async ({ page, request }) => {
  await devSignIn(page, DEV_URL, "admin");
  await visit(page, `${DEV_URL}/admin/roles`);
  const row = page.getByTestId("role-new");
  await row.getByLabel("New role name").fill("nc-role");
  const values: [string, string][] = [
    ["CPU per server", "0"],
    ["Memory per server", "2"],
    ["Servers", "1"],
    ["CPU in all", "2"],
    ["Memory in all", "4"],
    ["Artifact storage", "1"],
  ];
  for (const [label, value] of values) await row.getByLabel(`${label} for new role`).fill(value);
  await row.getByRole("button", { name: "Add" }).click();
  await expect(row.getByRole("status")).toHaveText("CPU per server must be more than 0.");
  await screenshot(page, "newcomer-role-refused");

  const patched = await request.patch(`${DEV_URL}/api/users/${BOB}`, { headers: asBootstrap, data: { limits: { maxServers: 1.5 } } });
  expect(patched.status()).toBe(400);
  expect(((await patched.json()) as { message: string }).message).toBe("Servers must be an integer.");
});

test("a missing image names its build command; Start again fits lowered limits; a failed server can be deleted", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const env = await request.post(`${DEV_URL}/api/environments`, {
    headers: asBootstrap,
    data: { id: MISSING_ENV, name: "Not built yet", image: MISSING_IMAGE, defaultCpu: 1, defaultMemGb: 1 },
  });
  expect(env.status(), await env.text()).toBe(201);
  const token = await userWithToken(request, DEV_URL, ANN);
  const started = await request.post(`${DEV_URL}/api/users/${ANN}/servers/lab`, {
    headers: bearer(token),
    data: { environment: MISSING_ENV, cpu: 2, memGb: 4 },
  });
  expect(started.status(), await started.text()).toBe(202);
  await expect.poll(async () => (await serverOf(request, ANN, "lab")).body.status, { timeout: 30_000 }).toBe("failed");
  expect((await serverOf(request, ANN, "lab")).body.reason).toContain("npm run image:workspace");

  // An admin lowers her limits below what the server last had.
  const lowered = await request.patch(`${DEV_URL}/api/users/${ANN}`, { headers: asBootstrap, data: { limits: { maxCpu: 1 } } });
  expect(lowered.status(), await lowered.text()).toBe(200);

  await devSignIn(page, DEV_URL, ANN);
  const row = page.getByTestId("server-lab");
  await expect(row.getByTestId("server-reason")).toContainText(
    `The image ${MISSING_IMAGE} is missing: build it with \`npm run image:workspace\``,
  );
  const again = row.getByRole("button", { name: "Start again with 1 CPU, 4 GiB" });
  await expect(again).toBeVisible();
  await expect(row.getByTestId("restart-size-note")).toHaveText(
    "It last ran with 2 CPUs and 4 GiB; your limits now allow 1 CPU and 4 GiB, so it starts again with that.",
  );
  await screenshot(page, "newcomer-start-again-fits");

  await again.click();
  // Accepted (no quota refusal), it fails again for the image, and its event log stays to read.
  const log = row.getByTestId("spawn-log");
  await expect(log).toContainText(`Failed: The image ${MISSING_IMAGE} is missing`, { timeout: 30_000 });
  await expect(row.getByRole("alert")).toHaveCount(0);
  expect((await serverOf(request, ANN, "lab")).body).toMatchObject({ status: "failed", cpu: 1, memGb: 4 });
  await log.locator("summary").click();
  await expect(log.locator("li").first()).toContainText(/^\d\d:\d\d:\d\d /);
  await screenshot(page, "newcomer-failed-log");

  // The token made above shows its dates in the one format.
  const created = page.getByTestId("tokens-panel").locator("tbody tr").first().locator("td").nth(2);
  await expect(created).toHaveText(UTC_MINUTE);

  // Another person cannot delete it, and a body that is not a boolean is refused; both leave it in place.
  const bobToken = await userWithToken(request, DEV_URL, BOB);
  const stranger = await request.delete(`${DEV_URL}/api/users/${ANN}/servers/lab`, { headers: bearer(bobToken), data: { remove: true } });
  expect(stranger.status()).toBe(403);
  const garbled = await request.delete(`${DEV_URL}/api/users/${ANN}/servers/lab`, { headers: bearer(token), data: { remove: "yes" } });
  expect(garbled.status()).toBe(400);
  expect(((await garbled.json()) as { error: string }).error).toBeTruthy();
  expect((await serverOf(request, ANN, "lab")).body.status).toBe("failed");

  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(row).toHaveCount(0);
  expect((await serverOf(request, ANN, "lab")).status).toBe(404);

  await visit(page, `${DEV_URL}/environments`);
  const card = page.getByTestId(`environment-${MISSING_ENV}`);
  await expect(card.getByTestId("image-missing")).toContainText("npm run image:workspace");
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, "newcomer-environment-missing-image");
});

test("a start keeps an event log from queued to ready", async ({ page, request }) => {
  test.setTimeout(180_000);
  await devSignIn(page, DEV_URL, CY);
  await page.getByRole("button", { name: "Start", exact: true }).click();
  const row = page.getByTestId("server-default");
  const log = row.getByTestId("spawn-log");
  await expect(log.locator("li").first()).toContainText("Server requested");
  await expect(log).toContainText("Waiting for Jupyter to answer", { timeout: 60_000 });
  await screenshot(page, "newcomer-start-log");
  await expect(row.getByTestId("server-status")).toHaveAttribute("data-status", "running", { timeout: 120_000 });
  // Closed once the start is over, and still there to read.
  await log.locator("summary").click();
  const lines = log.locator("li");
  await expect(lines.last()).toContainText("Ready");
  const texts = await lines.allTextContents();
  expect(texts.length).toBeGreaterThanOrEqual(3);
  expect(texts[0]).toContain("Server requested");
  expect(texts.some((t) => t.includes("Waiting for Jupyter to answer"))).toBe(true);
  await screenshot(page, "newcomer-start-log-ready");
  const stopped = await request.delete(`${DEV_URL}/api/users/${CY}/servers/default`, { headers: asBootstrap });
  expect(stopped.status()).toBe(202);
});

test("my usage shows a workspace started minutes ago minute by minute", async ({ page }) => {
  test.setTimeout(120_000);
  // Its own database: usage samples are written straight into it, and its leader samples nothing else.
  const url = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_newcomer$1");
  await ensureDatabase(url);
  await resetDatabase(url);
  const port = extraPort(21);
  const portal = await startPortal("newcomer-usage", port, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: url,
    ATRIUM_PUBLIC_URL: localUrl(port),
  });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await devSignIn(page, localUrl(port), ANN);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    // A person's samples are keyed by her id (users.id), not her name.
    const [ann] = await sql<{ id: string }[]>`select id from users where name = ${ANN}`;
    const rows = [6, 5, 4, 3, 2, 1].map((m) => ({
      at: new Date(now - m * 60_000),
      scope: "user",
      subject: ann?.id ?? ANN,
      cpu_allocated: 2,
      mem_gb_allocated: 4,
      cpu_used: 0.4 + m / 10,
      mem_gb_used: 1.5,
      servers: 1,
    }));
    await sql`insert into usage_samples ${sql(rows)}`;
    await visit(page, `${localUrl(port)}/`);
    await expect(page.getByTestId("my-usage-window")).toHaveText("CPU · last hour");
    await expect(page.getByTestId("my-usage-cpu").getByRole("application")).toBeVisible();
    await page.getByTestId("my-usage").scrollIntoViewIfNeeded();
    await screenshot(page, "newcomer-my-usage-fresh");
  } finally {
    await sql.end({ timeout: 2 });
    await portal.stop();
  }
});
