import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { extraPort } from "./support/env";
import { startPortal } from "./support/portal";

/**
 * The helper every spec starts its own portal with: a portal that never answers /api/health is
 * killed with its process group when the wait ends, so it neither keeps the port for the next test
 * nor runs on after the suite.
 */
test("a portal that does not answer in time is killed, with what it started", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-portal-start-"));
  const pids = path.join(dir, "pids");
  const entry = path.join(dir, "silent.mjs");
  // A "portal" that starts a helper of its own, never listens, and writes both pids down.
  writeFileSync(
    entry,
    [
      'import { spawn } from "node:child_process";',
      'import { writeFileSync } from "node:fs";',
      'const helper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });',
      `writeFileSync(${JSON.stringify(pids)}, process.pid + " " + helper.pid);`,
      "setInterval(() => {}, 1000);",
    ].join("\n"),
  );
  const started = await startPortal("silent", extraPort(45), {}, { entry, startTimeoutMs: 3_000 }).then(
    () => "answered",
    (err: unknown) => String(err),
  );
  expect(started).toContain("did not answer /api/health within 3s");
  // A zombie (killed, not yet reaped by whoever adopted it) counts as gone.
  const alive = (pid: number) => {
    try {
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
      return false;
    }
  };
  const [portal, helper] = readFileSync(pids, "utf8").split(" ").map(Number);
  expect(portal).toBeGreaterThan(0);
  expect(alive(portal ?? 0)).toBe(false);
  // The helper shares the portal's process group.
  await expect.poll(() => alive(helper ?? 0), { timeout: 10_000 }).toBe(false);
  rmSync(dir, { recursive: true, force: true });
});
