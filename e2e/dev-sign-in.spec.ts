import { expect, test } from "@playwright/test";
import { asBootstrap } from "./support/api";
import { DEV_URL } from "./support/env";
import { screenshot } from "./support/screens";

test("the development sign-in is marked as such and lets a person in by name", async ({ page }) => {
  await page.goto(`${DEV_URL}/`);
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByTestId("dev-signin-warning")).toContainText("Development sign-in");
  await screenshot(page, "signin-dev");
  await page.getByLabel("User name").fill("carol");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-name")).toHaveText("carol");
  await expect(page.getByTestId("me-role")).toHaveText("user");
  await expect(page.getByRole("meter", { name: "Servers" })).toBeVisible();
});

test("the admin user pages through and searches the users list", async ({ page, request }) => {
  for (let i = 0; i < 60; i++) {
    await request.post(`${DEV_URL}/api/users`, {
      headers: asBootstrap,
      data: { name: `member-${String(i).padStart(2, "0")}`, role: i % 5 === 0 ? "power" : "user" },
    });
  }
  await page.goto(`${DEV_URL}/signin`);
  await page.getByLabel("User name").fill("admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-role")).toHaveText("admin");
  await page.goto(`${DEV_URL}/admin/users`);
  const rows = page.getByTestId("users-table").locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page.getByText(/^51–\d+ of \d+$/)).toBeVisible();
  await page.getByLabel("Search users").fill("member-4");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(10);
  await expect(page.getByText("1–10 of 10")).toBeVisible();
  await page.getByLabel("Search users").fill("nobody-like-this");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText('No user matches "nobody-like-this".')).toBeVisible();
});

test("a name that is not a valid user name is refused with a sentence", async ({ page }) => {
  await page.goto(`${DEV_URL}/signin`);
  await page.getByLabel("User name").evaluate((el) => el.removeAttribute("pattern"));
  await page.getByLabel("User name").fill("Bad Name");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("p[role=alert]")).toContainText("not valid");
});
