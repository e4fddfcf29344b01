import { expect, type Page } from "@playwright/test";
import { removeEverythingOf } from "./engine";

/**
 * page.goto that tries again when Chromium reports ERR_NETWORK_CHANGED: Docker adds and removes a
 * veth interface whenever a container starts or stops, and Chromium aborts a navigation under way then.
 */
export async function visit(page: Page, url: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.goto(url);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("ERR_NETWORK_CHANGED")) throw err;
      await page.waitForTimeout(500);
    }
  }
}

/** Signs in through the development sign-in of the portal at `base`. */
export async function devSignIn(page: Page, base: string, name: string): Promise<void> {
  await visit(page, `${base}/signin`);
  // Typing before React hydrates the form is lost; wait until the page has settled.
  await page.waitForLoadState("networkidle");
  await page.getByLabel("User name").fill(name);
  await expect(page.getByLabel("User name")).toHaveValue(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  const me = page.getByTestId("me-name");
  try {
    // The sign-in, its redirect and the home page's first render: seconds on a machine busy with containers.
    await expect(me).toHaveText(name, { timeout: 20_000 });
  } catch {
    // Seen under load: Chromium loaded the home page before it had stored the session cookie the
    // sign-in's answer set (the request went without it), so the page said "Sign in"; the next load has it.
    await visit(page, `${base}/`);
    await expect(me).toHaveText(name, { timeout: 20_000 });
  }
}

/** Removes the containers and home volumes a spec's people left behind on the engine (found by label). */
export async function removeWorkspaces(users: string[]): Promise<void> {
  await removeEverythingOf(users);
}

/** Signs in at the SSO portal through the real OIDC provider's login form (e2e/support/oidc-server.ts). */
export async function ssoSignIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-name")).toHaveText(username, { timeout: 20_000 });
}
