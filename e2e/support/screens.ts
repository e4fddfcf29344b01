import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

const DIR = path.resolve(import.meta.dirname, "..", "screenshots");

/** Full-page screenshots for people to look at; kept in e2e/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  await page.screenshot({ path: path.join(DIR, `${name}.png`), fullPage: true });
}

/** The same page at a desktop's width (1440 px) and a phone's (390 px), as `<name>-1440.png` and `<name>-390.png`. */
export async function screenshotBothWidths(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await screenshot(page, `${name}-${width}`);
  }
  if (before) await page.setViewportSize(before);
}
