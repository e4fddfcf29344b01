import { expect, test, type Page } from "@playwright/test";
import postgres from "postgres";
import { asBootstrap } from "./support/api";
import { E2E_DATABASE_URL, SSO_URL } from "./support/env";
import { screenshot } from "./support/screens";

async function signInWithSso(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${SSO_URL}/`);
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a data scientist signs in through the OIDC provider and gets the role of their group", async ({ page }) => {
  await signInWithSso(page, "alice", "alice-pw");
  await expect(page.getByTestId("me-name")).toHaveText("alice");
  await expect(page.getByTestId("me-role")).toHaveText("user");
  await expect(page.getByRole("heading", { name: "My workspaces" })).toBeVisible();
  await expect(page.getByText("Welcome, Alice Liddell.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
  await screenshot(page, "home-user");

  await page.goto(`${SSO_URL}/admin/users`);
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  await expect(page.getByTestId("users-table")).toHaveCount(0);
  const res = await page.request.get(`${SSO_URL}/admin/users`);
  expect(res.status()).toBe(403);
  const api = await page.request.get(`${SSO_URL}/api/users`);
  expect(api.status()).toBe(403);
});

test("group mapping: a member of gpu-users gets the power role and a normalised name", async ({ page }) => {
  await signInWithSso(page, "Pat.Power@Example.com", "pat-pw");
  await expect(page.getByTestId("me-name")).toHaveText("pat.power");
  await expect(page.getByTestId("me-role")).toHaveText("power");
});

test("a wrong password is refused by the provider", async ({ page }) => {
  await page.goto(`${SSO_URL}/signin`);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Username").fill("alice");
  await page.getByLabel("Password").fill("wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Invalid username or password")).toBeVisible();
});

test("an account without a usable user name gets a clear page", async ({ page }) => {
  await signInWithSso(page, "!!!", "bad-pw");
  await expect(page).toHaveURL(/\/signin\?error=/);
  await expect(page.locator("p[role=alert]")).toContainText("no user name Atrium can use");
});

test("an admin from the platform-admins group sees the users page, creates a token and signs out", async ({ page }) => {
  await signInWithSso(page, "root-admin", "root-pw");
  await expect(page.getByTestId("me-role")).toHaveText("admin");
  await page.getByPlaceholder("e.g. laptop mlflow").fill("notebook on my laptop");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toContainText("atr_");
  await expect(page.getByRole("cell", { name: "notebook on my laptop" })).toBeVisible();
  await screenshot(page, "home-admin-token");

  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  const table = page.getByTestId("users-table");
  await expect(table.getByText("root-admin", { exact: true })).toBeVisible();
  await expect(table.getByText("alice", { exact: true })).toBeVisible();
  await screenshot(page, "admin-users");

  // Promote alice by hand; the row says where the role came from.
  const aliceRow = table.getByRole("row").filter({ has: page.getByText("alice", { exact: true }) });
  await aliceRow.getByLabel("Role of alice").selectOption("power");
  await expect(aliceRow.getByText("set by an admin")).toBeVisible();
  const alice = await page.request.get(`${SSO_URL}/api/users/alice`);
  expect(await alice.json()).toMatchObject({ role: "power", roleSource: "admin" });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  expect((await page.request.get(`${SSO_URL}/api/me`)).status()).toBe(401);
});

test("two SSO accounts whose names fold to one name are two people, and neither gets the other's account", async ({ browser, request }) => {
  // Three sign-ins through the provider in fresh browsers; each takes a while on a loaded machine.
  test.setTimeout(180_000);
  // "Jane Doe" signs in first and gets jane-doe; she makes a token.
  const first = await browser.newContext();
  const janePage = await first.newPage();
  await signInWithSso(janePage, "Jane Doe", "jane1-pw");
  await expect(janePage.getByTestId("me-name")).toHaveText("jane-doe");
  await janePage.getByPlaceholder("e.g. laptop mlflow").fill("jane one's laptop");
  await janePage.getByRole("button", { name: "Create token" }).click();
  await expect(janePage.getByRole("cell", { name: "jane one's laptop" })).toBeVisible();

  // "jane/doe" folds to jane-doe too: another subject, so another person under a numbered name.
  const second = await browser.newContext();
  const otherPage = await second.newPage();
  await signInWithSso(otherPage, "jane/doe", "jane2-pw");
  await expect(otherPage.getByTestId("me-name")).toHaveText("jane-doe-2");
  await expect(otherPage.getByRole("heading", { name: "My workspaces" })).toBeVisible();
  await expect(otherPage.getByRole("cell", { name: "jane one's laptop" })).toHaveCount(0);
  expect((await otherPage.request.get(`${SSO_URL}/api/users/jane-doe/tokens`)).status()).toBe(403);
  expect((await otherPage.request.get(`${SSO_URL}/api/users/jane-doe`)).status()).toBe(403);

  // Jane signs in again, in a fresh browser: her own account, token and all.
  const again = await browser.newContext();
  const janeAgain = await again.newPage();
  await signInWithSso(janeAgain, "Jane Doe", "jane1-pw");
  await expect(janeAgain.getByTestId("me-name")).toHaveText("jane-doe");
  await expect(janeAgain.getByRole("cell", { name: "jane one's laptop" })).toBeVisible();
  await Promise.all([first.close(), second.close(), again.close()]);

  // Two rows, two ids, each bound to its own subject; an admin sees which identity is which.
  const sql = postgres(E2E_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ name: string; id: string; oidc_subject: string }[]>`
      select name, id, oidc_subject from users where name in ('jane-doe', 'jane-doe-2') order by name`;
    expect(rows.map((r) => [r.name, r.oidc_subject])).toEqual([
      ["jane-doe", "u-jane-1"],
      ["jane-doe-2", "u-jane-2"],
    ]);
    expect(rows[0]?.id).not.toBe(rows[1]?.id);
  } finally {
    await sql.end({ timeout: 2 });
  }
  const view = (await (await request.get(`${SSO_URL}/api/users/jane-doe-2`, { headers: asBootstrap })).json()) as { sso: unknown };
  expect(view.sso).toEqual({ issuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), subject: "u-jane-2" });
});

test("an account with no preferred_username and an unverified email is refused, and names nobody", async ({ page, request }) => {
  await signInWithSso(page, "mallory", "mallory-pw");
  await expect(page).toHaveURL(/\/signin\?error=NoUserName/);
  await expect(page.locator("p[role=alert]")).toContainText("neither a preferred_username nor a verified email");
  expect((await page.request.get(`${SSO_URL}/api/me`)).status()).toBe(401);
  // Its address folds to root-admin; that person is untouched (not created, not bound to mallory).
  const rootAdmin = await request.get(`${SSO_URL}/api/users/root-admin`, { headers: asBootstrap });
  if (rootAdmin.status() === 200) expect(((await rootAdmin.json()) as { sso: { subject: string } | null }).sso?.subject).toBe("u-root");
  else expect(rootAdmin.status()).toBe(404);
});
