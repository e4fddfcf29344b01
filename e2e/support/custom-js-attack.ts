import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { spawn } from "node:child_process";
import { objectName } from "../../lib/spawner/kinds";
import { workspaceRef } from "../../lib/workspaces/workload";
import { asBootstrap } from "./api";

/** The note the stolen token gets, so the test can look for it among the admin's tokens. */
export const STOLEN_NOTE = "stolen-by-custom-js";

/**
 * What a user puts in ~/.jupyter/custom/custom.js (Notebook 6 loads it on every page) to take over
 * whoever opens her workspace: make herself admin and mint a token for the admin. It tries the page's
 * own origin (the portal's, when workspaces are served there) and the portal's address, the latter as
 * a CORS "simple request" (text/plain, no preflight) so the browser sends it whatever the portal answers.
 * The outcome lands in window.__atriumAttack so the test knows the script ran.
 */
export function attackScript(portal: string, victim: string, attacker: string): string {
  return `(async function () {
  var results = {};
  async function attempt(key, url, init) {
    try { var r = await fetch(url, Object.assign({ credentials: "include" }, init)); results[key] = r.type === "opaque" ? "opaque" : r.status; }
    catch (e) { results[key] = "blocked"; }
  }
  var json = { "content-type": "application/json" };
  await attempt("samePatch", "/api/users/${attacker}", { method: "PATCH", headers: json, body: JSON.stringify({ role: "admin" }) });
  await attempt("sameToken", "/api/users/${victim}/tokens", { method: "POST", headers: json, body: JSON.stringify({ note: "${STOLEN_NOTE}" }) });
  await attempt("portalToken", ${JSON.stringify(portal)} + "/api/users/${victim}/tokens", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ note: "${STOLEN_NOTE}" }) });
  await attempt("portalPatch", ${JSON.stringify(portal)} + "/api/users/${attacker}", { method: "PATCH", headers: json, body: JSON.stringify({ role: "admin" }) });
  window.__atriumAttack = results;
})();
`;
}

/**
 * Writes ~/.jupyter/custom/custom.js inside the user's container, as her (Jupyter's contents API
 * refuses hidden folders, but her terminal or a notebook cell would not). argv only; the script goes
 * in on stdin.
 */
export async function plantCustomJs(user: string, server: string, script: string): Promise<void> {
  const { stderr, code } = await new Promise<{ stderr: string; code: number | null }>((resolve, reject) => {
    const child = spawn("docker", [
      "exec",
      "-i",
      "-u",
      "jovyan",
      objectName(workspaceRef({ user, server })),
      "sh",
      "-c",
      'mkdir -p "$HOME/.jupyter/custom" && cat > "$HOME/.jupyter/custom/custom.js"',
    ]);
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ stderr: err, code: c }));
    child.stdin.end(script);
  });
  expect(code, `writing custom.js: ${stderr}`).toBe(0);
}

/** Waits (up to `ms`) for the planted script to report; null when it never ran. */
export async function attackOutcome(page: Page, ms = 20_000): Promise<Record<string, unknown> | null> {
  try {
    const handle = await page.waitForFunction(
      () => (window as unknown as { __atriumAttack?: Record<string, unknown> }).__atriumAttack,
      null,
      { timeout: ms },
    );
    return (await handle.jsonValue()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The attacker is still a plain user and the admin has no token the script made. */
export async function expectNotTakenOver(request: APIRequestContext, base: string, victim: string, attacker: string): Promise<void> {
  const user = (await (await request.get(`${base}/api/users/${attacker}`, { headers: asBootstrap })).json()) as { role: string };
  expect(user.role, `${attacker}'s role after ${victim} opened her workspace`).toBe("user");
  const tokens = (await (await request.get(`${base}/api/users/${victim}/tokens`, { headers: asBootstrap })).json()) as {
    note: string | null;
  }[];
  expect(
    tokens.filter((t) => t.note === STOLEN_NOTE),
    `tokens of ${victim} made by the script`,
  ).toEqual([]);
}
