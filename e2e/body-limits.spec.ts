import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { asBootstrap, bearer, userWithToken, mlflowPost } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { sampleRss, treeRssBytes } from "./support/process-memory";
import { screenshot } from "./support/screens";

/**
 * Request bodies cost the portal at most their cap, and artifacts at most their owner's storage quota,
 * against a portal of its own (PGlite, development sign-in, artifacts in a temporary ATRIUM_DATA_DIR)
 * whose memory is measured.
 */
const PORT = extraPort(32);
const BASE = localUrl(PORT);
const MIB = 1024 ** 2;
const BODY = 50 * MIB;
const OWNER = "a-quota";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

test.describe.configure({ mode: "serial" });

let portal: RunningPortal | undefined;
let dataDir = "";
let ownerToken = "";

interface Sent {
  status: number;
  text: string;
  /** Bytes of the body the server had taken when it answered. */
  sentWhenAnswered: number;
}

/**
 * Sends `total` bytes of `{"note":"xxxx...` 1 MiB at a time, with or without a Content-Length, and stops
 * sending once the answer arrives (as a client that reads the answer would); resolves with the answer.
 */
function sendLargeBody(method: string, rawPath: string, token: string, total: number, withLength: boolean): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    if (withLength) headers["content-length"] = String(total);
    const req = http.request({ host: "127.0.0.1", port: PORT, method, path: rawPath, headers }, (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8"), sentWhenAnswered });
        req.destroy();
      });
    });
    req.on("error", (err) => {
      // The server may close the connection after answering while bytes are still on their way.
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(MIB, 0x78);
    chunk.write('{"note":"', 0);
    void (async () => {
      while (sent < total && !answered && !req.destroyed) {
        const piece = chunk.subarray(0, Math.min(MIB, total - sent));
        sent += piece.length;
        if (!req.write(piece)) await new Promise((r) => req.once("drain", r));
      }
      if (!answered && !req.destroyed) req.end();
    })().catch(() => undefined);
  });
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(path.join(os.tmpdir(), "atrium-limits-e2e-"));
  portal = await startPortal("body-limits", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: dataDir,
    ATRIUM_PUBLIC_URL: BASE,
  });
  ownerToken = await userWithToken(request, BASE, OWNER);
});

test.afterAll(async () => {
  await portal?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("four parallel 50 MB JSON bodies to the portal API and the MLflow API: 413 each, and the portal grows by far less", async ({
  request,
}) => {
  test.setTimeout(120_000);
  if (!portal) throw new Error("portal not started");
  // Both routes loaded and answering once, so what is measured is the bodies, not the first compile of a route.
  for (let i = 0; i < 3; i++) {
    expect((await request.post(`${BASE}/api/users`, { headers: asBootstrap, data: { name: "!" } })).status()).toBe(400);
    expect((await request.post(`${BASE}/api/2.0/mlflow/runs/log-batch`, { headers: asBootstrap, data: {} })).status()).toBe(400);
  }
  const before = treeRssBytes(portal.pid);
  const rss = sampleRss(portal.pid, 50);
  const targets = [
    { method: "POST", path: "/api/users", format: "portal" },
    { method: "POST", path: "/api/2.0/mlflow/runs/log-batch", format: "mlflow" },
  ] as const;
  for (const withLength of [true, false]) {
    for (const t of targets) {
      const answers = await Promise.all([1, 2, 3, 4].map(() => sendLargeBody(t.method, t.path, BOOTSTRAP_TOKEN, BODY, withLength)));
      for (const a of answers) {
        const label = `${t.path} ${withLength ? "with" : "without"} Content-Length`;
        expect(a.status, `${label}: ${a.text}`).toBe(413);
        const body = JSON.parse(a.text) as Record<string, string>;
        if (t.format === "portal")
          expect(body).toEqual({ error: "body_too_large", message: "The request body is larger than the 1 MiB limit." });
        else expect(body).toEqual({ error_code: "REQUEST_LIMIT_EXCEEDED", message: "The request body is larger than the 2 MiB limit." });
        // Answered long before the 50 MB were sent: the portal did not wait for (or read) the rest.
        expect(a.sentWhenAnswered, label).toBeLessThan(BODY);
      }
    }
  }
  const grew = rss.stop() - before;
  console.log(`[body-limits] 16 × 50 MB bodies: RSS before ${Math.round(before / MIB)} MiB, peak +${(grew / MIB).toFixed(1)} MiB`);
  expect(grew).toBeLessThan(60 * MIB);
  // Still answering normally afterwards.
  expect((await request.get(`${BASE}/api/me`, { headers: asBootstrap })).status()).toBe(200);
});

test("an upload past the owner's storage quota is refused with 413 and leaves nothing; usage shows on the home and admin pages", async ({
  request,
  browser,
}) => {
  test.setTimeout(120_000);
  // 1 MiB for this person (a per-user override of their role's 10 GiB).
  const patched = await request.patch(`${BASE}/api/users/${OWNER}`, { headers: asBootstrap, data: { limits: { maxStorageGb: 1 / 1024 } } });
  expect(patched.status(), await patched.text()).toBe(200);
  const exp = await mlflowPost(request, BASE, ownerToken, "experiments/create", { name: `a-quota-${Date.now()}` });
  const run = (await mlflowPost(request, BASE, ownerToken, "runs/create", { experiment_id: exp.experiment_id })) as {
    run: { info: { run_id: string } };
  };
  const runPath = `${String(exp.experiment_id)}/${run.run.info.run_id}/artifacts`;

  const small = await request.put(`${BASE}${ARTIFACTS}/${runPath}/model.bin`, {
    headers: bearer(ownerToken),
    data: Buffer.alloc(600 * 1024, 1),
  });
  expect(small.status(), await small.text()).toBe(200);

  // Declared too large: refused before anything is written. Streamed without a length: stopped mid-stream.
  for (const withLength of [true, false]) {
    const over = await sendLargeBody("PUT", `${ARTIFACTS}/${runPath}/big/data.bin`, ownerToken, 8 * MIB, withLength);
    expect(over.status, over.text).toBe(413);
    const body = JSON.parse(over.text) as Record<string, string>;
    expect(body.error).toBe("storage_quota_exceeded");
    expect(body.error_code).toBe("RESOURCE_EXHAUSTED");
    expect(body.message).toBe(
      `This upload would take ${OWNER}'s artifacts past their storage quota of 1.0 MiB (600.0 KiB in use); delete artifacts or ask an admin for more.`,
    );
  }
  const listed = await request.get(`${BASE}${ARTIFACTS}?path=${runPath}`, { headers: bearer(ownerToken) });
  expect(await listed.json()).toEqual({ files: [{ path: "model.bin", is_dir: false, file_size: 600 * 1024 }] });
  // Nothing on disk either: no partial file, no temporary file, no empty folder.
  const runDir = path.join(dataDir, "artifacts", ...runPath.split("/"));
  expect(readdirSync(runDir)).toEqual(["model.bin"]);

  const me = (await (await request.get(`${BASE}/api/me`, { headers: bearer(ownerToken) })).json()) as {
    storage: unknown;
    limits: { maxStorageGb: number };
  };
  expect(me.storage).toEqual({ usedBytes: 600 * 1024, limitBytes: MIB });

  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await devSignIn(page, BASE, OWNER);
  await expect(page.getByTestId("my-storage")).toContainText("600.0 KiB of 1.0 MiB");
  await screenshot(page, "home-storage-quota");
  await ctx.close();

  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await devSignIn(admin, BASE, "admin");
  await visit(admin, `${BASE}/admin/users/${OWNER}`);
  await expect(admin.getByTestId("user-storage")).toContainText("600.0 KiB / 1.0 MiB");
  await screenshot(admin, "admin-user-storage");
  await visit(admin, `${BASE}/admin/users`);
  await expect(admin.getByTestId(`user-${OWNER}`)).toContainText("600.0 KiB / 1.0 MiB");
  await screenshot(admin, "admin-users-storage");
  await visit(admin, `${BASE}/admin/roles`);
  await expect(admin.getByLabel("Artifact storage for power")).toHaveValue("50");
  await screenshot(admin, "admin-roles-storage");
  await adminCtx.close();

  // Deleting the file frees its bytes; the same upload then fits.
  expect((await request.delete(`${BASE}${ARTIFACTS}/${runPath}/model.bin`, { headers: bearer(ownerToken) })).status()).toBe(200);
  const again = await request.put(`${BASE}${ARTIFACTS}/${runPath}/big/data.bin`, {
    headers: bearer(ownerToken),
    data: Buffer.alloc(900 * 1024, 2),
  });
  expect(again.status(), await again.text()).toBe(200);
  // A recount from the store agrees with what uploads and deletes counted.
  const recount = await request.post(`${BASE}/api/admin/storage/recount`, { headers: asBootstrap });
  expect(await recount.json()).toMatchObject({ orphanBytes: 0 });
  const after = (await (await request.get(`${BASE}/api/me`, { headers: bearer(ownerToken) })).json()) as { storage: { usedBytes: number } };
  expect(after.storage.usedBytes).toBe(900 * 1024);
});

test("PUT /api/roles/<role> sets a role's storage quota", async ({ request }) => {
  const put = await request.put(`${BASE}/api/roles/power`, {
    headers: asBootstrap,
    data: { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxStorageGb: 75 },
  });
  expect(put.status(), await put.text()).toBe(200);
  expect(((await put.json()) as { maxStorageGb: number }).maxStorageGb).toBe(75);
  const roles = (await (await request.get(`${BASE}/api/roles`, { headers: asBootstrap })).json()) as {
    name: string;
    maxStorageGb: number;
  }[];
  expect(roles.find((r) => r.name === "power")?.maxStorageGb).toBe(75);
  const bad = await request.put(`${BASE}/api/roles/power`, {
    headers: asBootstrap,
    data: { maxCpu: 8, maxMemGb: 32, maxServers: 3, maxStorageGb: -1 },
  });
  expect(bad.status()).toBe(400);
});
