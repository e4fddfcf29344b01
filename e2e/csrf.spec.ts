import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { asBootstrap } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { DEV_URL, extraPort } from "./support/env";

/**
 * Cross-site request forgery from the same site: a page on another port of the portal's host is
 * "same-site", so the browser sends the SameSite=Lax session cookie with its requests. It tries
 * every kind of request a page can send without CORS permission (fetch no-cors with text/plain or
 * no type, a Blob beacon, an auto-submitted text/plain form) against the admin's cookie; none of
 * it may change anything. The same calls with an API token still work: tokens are never sent by a
 * browser on its own. The same attack against a running workspace (its kernel WebSocket, writes
 * through the workspace proxy) and cross-origin reads are in e2e/survival.spec.ts, which has one.
 */
const ATTACKER_PORT = extraPort(30);
const ATTACKER = `http://localhost:${ATTACKER_PORT}`;
const MLFLOW = `${DEV_URL}/api/2.0/mlflow`;

const CSRF_TRACE = `tr-${"c5".repeat(16)}`;

function attackPage(runId: string, experimentId: string): string {
  // Only POST is possible without CORS permission (no-cors allows GET, HEAD and POST).
  const calls = [
    { url: `${DEV_URL}/api/users/admin/servers/csrf`, body: JSON.stringify({ environment: "python", cpu: 1, memGb: 1 }) },
    { url: `${DEV_URL}/api/users/admin/tokens`, body: JSON.stringify({ note: "csrf" }) },
    { url: `${DEV_URL}/api/users`, body: JSON.stringify({ name: "csrf-evil", role: "admin" }) },
    // A job would run the attacker's choice of script in the admin's home, under the admin's name.
    {
      url: `${DEV_URL}/api/jobs`,
      body: JSON.stringify({
        name: "csrf-job",
        path: "evil.py",
        environment: "python",
        cpu: 0.5,
        memGb: 0.5,
        timeoutS: 60,
        trigger: { kind: "manual" },
      }),
    },
    {
      url: `${DEV_URL}/api/3.0/mlflow/traces`,
      body: JSON.stringify({
        trace: {
          trace_info: {
            trace_id: CSRF_TRACE,
            trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
            state: "OK",
          },
        },
      }),
    },
  ];
  return `<!doctype html><html><body>
<form id="f" method="POST" enctype="text/plain" action="${DEV_URL}/api/users" target="sink"><input name='{"name":"csrf-form","role":"admin","x":"' value='"}'></form>
<form id="out" method="POST" action="${DEV_URL}/api/auth/signout" target="sink"><input name="callbackUrl" value="/"></form>
<iframe name="sink"></iframe>
<script>
(async () => {
  const calls = ${JSON.stringify(calls)};
  const sent = [];
  for (const { url, body } of calls) {
    // text/plain and a typeless Blob are "simple" requests: the browser sends them without asking.
    sent.push(fetch(url, { method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body }).catch(() => null));
    sent.push(fetch(url, { method: "POST", mode: "no-cors", credentials: "include", body: new Blob([body]) }).catch(() => null));
  }
  navigator.sendBeacon("${MLFLOW}/runs/delete", new Blob([JSON.stringify({ run_id: "${runId}" })], { type: "text/plain" }));
  navigator.sendBeacon("${MLFLOW}/experiments/create", JSON.stringify({ name: "csrf-beacon" }));
  await Promise.all(sent);
  document.getElementById("f").submit();
  await new Promise((r) => setTimeout(r, 500));
  document.getElementById("out").submit();
  await new Promise((r) => setTimeout(r, 1000));
  document.title = "done";
})();
</script></body></html>`;
}

let attacker: Server | undefined;
let page_ = "";

test.beforeAll(async () => {
  attacker = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page_);
  });
  await new Promise<void>((resolve) => attacker?.listen(ATTACKER_PORT, "127.0.0.1", () => resolve()));
  expect((attacker.address() as AddressInfo).port).toBe(ATTACKER_PORT);
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
});

test("a page on another port of the same host cannot change anything with a signed-in admin's cookie", async ({ page, request }) => {
  await devSignIn(page, DEV_URL, "admin");
  // Something to delete: an experiment and a run, made with the bootstrap token.
  const exp = await request.post(`${MLFLOW}/experiments/create`, { headers: asBootstrap, data: { name: `csrf-target-${Date.now()}` } });
  expect(exp.status()).toBe(200);
  const experimentId = ((await exp.json()) as { experiment_id: string }).experiment_id;
  const run = await request.post(`${MLFLOW}/runs/create`, { headers: asBootstrap, data: { experiment_id: experimentId } });
  const runId = ((await run.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
  const tokensBefore = ((await (await request.get(`${DEV_URL}/api/users/admin/tokens`, { headers: asBootstrap })).json()) as unknown[])
    .length;
  page_ = attackPage(runId, experimentId);
  await visit(page, `${ATTACKER}/`);
  await expect(page).toHaveTitle("done", { timeout: 20_000 });

  // Nothing changed.
  expect((await request.get(`${DEV_URL}/api/users/admin/servers/csrf`, { headers: asBootstrap })).status()).toBe(404);
  const tokensAfter = (await (await request.get(`${DEV_URL}/api/users/admin/tokens`, { headers: asBootstrap })).json()) as {
    note: string | null;
  }[];
  expect(tokensAfter.length).toBe(tokensBefore);
  for (const name of ["csrf-evil", "csrf-form"])
    expect((await request.get(`${DEV_URL}/api/users/${name}`, { headers: asBootstrap })).status(), name).toBe(404);
  const runNow = (await (await request.get(`${MLFLOW}/runs/get?run_id=${runId}`, { headers: asBootstrap })).json()) as {
    run: { info: { lifecycle_stage: string } };
  };
  expect(runNow.run.info.lifecycle_stage).toBe("active");
  expect((await request.get(`${MLFLOW}/experiments/get-by-name?experiment_name=csrf-beacon`, { headers: asBootstrap })).status()).toBe(404);
  const jobs = await request.get(`${DEV_URL}/api/jobs?all=true`, { headers: asBootstrap });
  expect(jobs.status()).toBe(200);
  expect(JSON.stringify(await jobs.json())).not.toContain("csrf-job");
  expect((await request.get(`${DEV_URL}/api/3.0/mlflow/traces/${CSRF_TRACE}`, { headers: asBootstrap })).status()).toBe(404);

  // The admin is still signed in (the forged sign-out did not land), and the portal's own pages still work.
  await visit(page, `${DEV_URL}/`);
  await expect(page.getByTestId("me-name")).toHaveText("admin");
  const own = await page.evaluate(async (url) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ note: "made on the portal's page" }),
    });
    return res.status;
  }, `${DEV_URL}/api/users/admin/tokens`);
  expect(own).toBe(201);
});

test("a cookie request without Origin or Fetch Metadata, or with a text/plain body, is refused with a sentence", async ({ page }) => {
  await devSignIn(page, DEV_URL, "admin");
  const noOrigin = await page.request.post(`${DEV_URL}/api/users/admin/tokens`, { data: { note: "no origin" } });
  expect(noOrigin.status()).toBe(403);
  expect(await noOrigin.json()).toMatchObject({ error: "cross_origin" });
  const plain = await page.evaluate(async (url) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ note: "plain" }) });
    return { status: res.status, body: (await res.json()) as unknown };
  }, `${DEV_URL}/api/users/admin/tokens`);
  expect(plain.status).toBe(415);
  expect(plain.body).toMatchObject({ error: "unsupported_media_type" });
});

test("API-token callers are unaffected: any Origin, the mlflow client's JSON", async ({ request }) => {
  const made = await request.post(`${MLFLOW}/experiments/create`, {
    headers: { ...asBootstrap, origin: ATTACKER, "sec-fetch-site": "same-site" },
    data: { name: `csrf-token-ok-${Date.now()}` },
  });
  expect(made.status()).toBe(200);
  const token = await request.post(`${DEV_URL}/api/users/admin/tokens`, {
    headers: { ...asBootstrap, origin: "http://elsewhere.example" },
    data: { note: "automation" },
  });
  expect(token.status()).toBe(201);
});
