import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

const DIR = path.resolve(import.meta.dirname, "..", "screenshots");

/** Full-page screenshots for people to look at; kept in e2e/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  await page.screenshot({ path: path.join(DIR, `${name}.png`), fullPage: true });
}
