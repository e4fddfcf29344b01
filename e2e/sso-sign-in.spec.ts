import { expect, test, type Page } from "@playwright/test";
import { SSO_URL } from "./support/env";
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
