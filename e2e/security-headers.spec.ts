import { createServer, type Server } from "node:http";
import { expect, test } from "@playwright/test";
import { devSignIn, visit } from "./support/browser";
import { DEV_URL, extraPort } from "./support/env";

/**
 * The portal's pages carry a nonce-based Content-Security-Policy that Next's own scripts satisfy (the
 * pages hydrate and nothing is refused), refuse to be framed by another site, and keep their URLs
 * to themselves.
 */
const FRAMER_PORT = extraPort(31);

test("pages send CSP with a per-request nonce that every script carries, and nothing is refused", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  await devSignIn(page, DEV_URL, "csp-user");
  const res = await visit(page, `${DEV_URL}/experiments`);
  const headers = res?.headers() ?? {};
  const policy = headers["content-security-policy"] ?? "";
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("object-src 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce).toBeTruthy();
  // Every script Next wrote carries the nonce (the browser hides the attribute's value from the DOM, not from .nonce).
  const nonces = await page.locator("script").evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
  expect(nonces.length).toBeGreaterThan(0);
  for (const n of nonces) expect(n).toBe(nonce);
  // The page is interactive (hydrated): client navigation works.
  await page.getByRole("link", { name: "Models" }).first().click();
  await expect(page).toHaveURL(/\/models$/);
  // Another request, another nonce.
  const again = await page.request.get(`${DEV_URL}/experiments`);
  expect(/'nonce-([^']+)'/.exec(again.headers()["content-security-policy"] ?? "")?.[1]).not.toBe(nonce);
  expect(violations).toEqual([]);
});

test("another site cannot frame the portal", async ({ page }) => {
  const framer: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><iframe id="f" src="${DEV_URL}/signin" width="600" height="400"></iframe>`);
  });
  await new Promise<void>((resolve) => framer.listen(FRAMER_PORT, "127.0.0.1", () => resolve()));
  try {
    const refused: string[] = [];
    page.on("console", (msg) => refused.push(msg.text()));
    await visit(page, `http://localhost:${FRAMER_PORT}/`);
    await page.waitForTimeout(1500);
    const frame = page.frames().find((f) => f.url().startsWith(DEV_URL));
    // Chromium either leaves the frame on an error page or never commits the portal's document.
    const rendered = frame
      ? await frame
          .locator("body")
          .innerText()
          .catch(() => "")
      : "";
    expect(rendered).not.toContain("Sign in");
  } finally {
    await new Promise<void>((resolve) => framer.close(() => resolve()));
  }
});
