import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import Dockerode from "dockerode";
import { startTestIndex, type TestIndex } from "../lib/packages/test-index";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { removeEverythingOf } from "./support/engine";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * Token scopes (lib/auth/scopes.ts), as an attacker holding a token would try them: the
 * MLFLOW_TRACKING_TOKEN read from a real workspace's environment (on a portal of this spec's own, with
 * a package index, on the real engine), and personal tokens made with fewer scopes (development portal).
 */

const OWNER = "d-scoped";
const ASK = { cpu: 0.5, memGb: 0.5, environment: "python" };
const MLFLOW = `${DEV_URL}/api/2.0/mlflow`;
const WS_BASE = localUrl(extraPort(23));

test.describe.configure({ mode: "serial" });

async function refusedFor(res: APIResponse, scope: string): Promise<void> {
  const body = (await res.json()) as { error?: string; message?: string };
  expect([res.status(), body.error], JSON.stringify(body)).toEqual([403, "insufficient_scope"]);
  expect(body.message).toContain(`"${scope}"`);
}

async function waitForStatus(request: APIRequestContext, server: string, token: string, want: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (
          (await (await request.get(`${WS_BASE}/api/users/${OWNER}/servers/${server}`, { headers: bearer(token) })).json()) as {
            status: string;
          }
        ).status,
      {
        timeout: 60_000,
      },
    )
    .toBe(want);
}

/** Containers and the home volume a failed run may have left behind. */
async function removeServers(): Promise<void> {
  await removeEverythingOf([OWNER]);
}

/** The MLFLOW_TRACKING_TOKEN the portal put into the workspace's container, as code inside it sees it. */
async function workspaceToken(server: string): Promise<string> {
  const docker = new Dockerode();
  const [c] = await docker.listContainers({ filters: { label: [`atrium.user=${OWNER}`, `atrium.server=${server}`] } });
  if (!c) throw new Error(`no container for ${OWNER}/${server}`);
  const env = (await docker.getContainer(c.Id).inspect()).Config.Env ?? [];
  const entry = env.find((e) => e.startsWith("MLFLOW_TRACKING_TOKEN="));
  if (!entry) throw new Error("the workspace has no MLFLOW_TRACKING_TOKEN");
  return entry.slice("MLFLOW_TRACKING_TOKEN=".length);
}

test("a workspace's MLflow token reaches MLflow and its own server's packages, and nothing else", async ({ request }) => {
  test.setTimeout(240_000);
  let index: TestIndex | undefined;
  let portal: RunningPortal | undefined;
  let personal = "";
  const own = () => bearer(personal);
  try {
    await removeServers();
    // On all interfaces: the workspace reaches it through host.docker.internal (the engine's bridge).
    index = await startTestIndex({
      format: "json",
      dists: [{ name: "d-scope-demo", version: "1.0.0", summary: "Installed by a workspace's own token." }],
      host: "0.0.0.0",
    });
    portal = await startPortal("token-scopes", extraPort(23), {
      AUTH_SECRET,
      ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-scopes-")),
      ATRIUM_PUBLIC_URL: WS_BASE,
      PYPI_INDEX_URL: index.url,
      ATRIUM_WORKSPACE_PIP_INDEX_URL: index.urlVia("host.docker.internal"),
    });
    personal = await userWithToken(request, WS_BASE, OWNER, "power");
    await wsTokenChecks(request, personal);
  } finally {
    if (portal) {
      for (const server of ["default", "second"])
        await request.delete(`${WS_BASE}/api/users/${OWNER}/servers/${server}`, { headers: own() });
      await waitForStatus(request, "default", personal, "stopped").catch(() => undefined);
      await waitForStatus(request, "second", personal, "stopped").catch(() => undefined);
    }
    await portal?.stop();
    await index?.stop();
    await removeServers();
  }
});

/** What the workspace's token may and may not do, on the spec's own portal (WS_BASE). */
async function wsTokenChecks(request: APIRequestContext, personal: string): Promise<void> {
  const own = bearer(personal);
  const MLFLOW_API = `${WS_BASE}/api/2.0/mlflow`;
  for (const server of ["default", "second"]) {
    expect((await request.post(`${WS_BASE}/api/users/${OWNER}/servers/${server}`, { headers: own, data: ASK })).status()).toBe(202);
  }
  await waitForStatus(request, "default", personal, "running");
  await waitForStatus(request, "second", personal, "running");
  const ws = bearer(await workspaceToken("default"));

  // What the token is for: MLflow.
  const exp = await request.post(`${MLFLOW_API}/experiments/create`, { headers: ws, data: { name: `d-scopes-${Date.now()}` } });
  expect(exp.status()).toBe(200);
  const experimentId = ((await exp.json()) as { experiment_id: string }).experiment_id;
  const run = await request.post(`${MLFLOW_API}/runs/create`, {
    headers: ws,
    data: { experiment_id: experimentId, start_time: Date.now() },
  });
  expect(run.status()).toBe(200);
  const runId = ((await run.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
  expect(
    (
      await request.post(`${MLFLOW_API}/runs/log-metric`, {
        headers: ws,
        data: { run_id: runId, key: "acc", value: 0.9, timestamp: Date.now(), step: 0 },
      })
    ).status(),
  ).toBe(200);

  // Minting a full token, managing tokens, starting or stopping servers, opening the proxy: refused.
  await refusedFor(await request.post(`${WS_BASE}/api/users/${OWNER}/tokens`, { headers: ws, data: { note: "escalate" } }), "tokens");
  await refusedFor(await request.get(`${WS_BASE}/api/users/${OWNER}/tokens`, { headers: ws }), "tokens");
  await refusedFor(await request.post(`${WS_BASE}/api/users/${OWNER}/servers/third`, { headers: ws, data: ASK }), "servers");
  await refusedFor(await request.delete(`${WS_BASE}/api/users/${OWNER}/servers/second`, { headers: ws }), "servers");
  await refusedFor(await request.get(`${WS_BASE}/api/users/${OWNER}/servers`, { headers: ws }), "servers");
  await refusedFor(await request.get(`${WS_BASE}/user/${OWNER}/default/api/status`, { headers: ws }), "workspaces:access");
  await refusedFor(await request.get(`${WS_BASE}/user/${OWNER}/second/api/contents`, { headers: ws }), "workspaces:access");
  await refusedFor(await request.get(`${WS_BASE}/api/me`, { headers: ws }), "account:read");
  // Nor may a script in the workspace schedule a job (it would run under the owner's name on a timer).
  const JOB = { name: "ws-job", path: "evil.py", environment: "python", cpu: 0.5, memGb: 0.5, timeoutS: 60, trigger: { kind: "manual" } };
  await refusedFor(await request.post(`${WS_BASE}/api/jobs`, { headers: ws, data: JOB }), "jobs");
  await refusedFor(await request.get(`${WS_BASE}/api/jobs`, { headers: ws }), "jobs");
  // Pages show a whole account (servers, usage, tokens): a token needs "account" to render one.
  expect((await request.get(`${WS_BASE}/`, { headers: ws, maxRedirects: 0 })).status()).toBe(403);
  expect((await request.get(`${WS_BASE}/servers/${OWNER}/default`, { headers: ws, maxRedirects: 0 })).status()).toBe(403);

  // Packages: browsing the index, and installing into its own server (pip really runs)...
  const browse = await request.get(`${WS_BASE}/api/packages/d-scope-demo`, { headers: ws });
  expect(browse.status()).toBe(200);
  expect(await browse.json()).toMatchObject({ name: "d-scope-demo", latest: "1.0.0" });
  const install = await request.post(`${WS_BASE}/api/users/${OWNER}/servers/default/packages`, {
    headers: ws,
    data: { name: "d-scope-demo" },
  });
  expect(install.status()).toBe(200);
  const events = (await install.text())
    .split("\n\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as { type: string; ok?: boolean });
  expect(events.at(-1)).toMatchObject({ type: "done", ok: true });
  const listed = await request.get(`${WS_BASE}/api/users/${OWNER}/servers/default/packages`, { headers: ws });
  expect(listed.status()).toBe(200);
  expect(((await listed.json()) as { name: string; version: string }[]).find((p) => p.name === "d-scope-demo")?.version).toBe("1.0.0");
  // ...but not into another server of the same person.
  const otherInstall = await request.post(`${WS_BASE}/api/users/${OWNER}/servers/second/packages`, {
    headers: ws,
    data: { name: "d-scope-demo" },
  });
  expect([otherInstall.status(), await errorCode(otherInstall)]).toEqual([403, "insufficient_scope"]);
  const otherList = await request.get(`${WS_BASE}/api/users/${OWNER}/servers/second/packages`, { headers: ws });
  expect([otherList.status(), await errorCode(otherList)]).toEqual([403, "insufficient_scope"]);

  // The owner's own full token still opens the workspace.
  expect((await request.get(`${WS_BASE}/user/${OWNER}/default/api/status`, { headers: own })).status()).toBe(200);
}

test("personal tokens get the scopes chosen at creation, never more than their creator has", async ({ request }) => {
  const name = "d-picky";
  await userWithToken(request, DEV_URL, name);
  const create = (headers: Record<string, string>, data: unknown) => request.post(`${DEV_URL}/api/users/${name}/tokens`, { headers, data });

  const made = await create(asBootstrap, { note: "mlflow only", scopes: ["mlflow"] });
  expect(made.status()).toBe(201);
  const mlflowOnly = (await made.json()) as { id: string; token: string; scopes: string[] };
  expect(mlflowOnly.scopes).toEqual(["mlflow"]);
  const h = bearer(mlflowOnly.token);
  expect((await request.post(`${MLFLOW}/experiments/create`, { headers: h, data: { name: `d-picky-${Date.now()}` } })).status()).toBe(200);
  expect((await request.post(`${MLFLOW}/experiments/search`, { headers: h, data: { max_results: 5 } })).status()).toBe(200);
  await refusedFor(await request.get(`${DEV_URL}/api/me`, { headers: h }), "account:read");
  await refusedFor(await request.get(`${DEV_URL}/api/users/${name}/servers`, { headers: h }), "servers");
  await refusedFor(await create(h, { scopes: ["mlflow"] }), "tokens");
  // An mlflow-only token is what a job's execution gets: it cannot make or run jobs.
  await refusedFor(await request.get(`${DEV_URL}/api/jobs`, { headers: h }), "jobs");
  const listed = (await (await request.get(`${DEV_URL}/api/users/${name}/tokens`, { headers: asBootstrap })).json()) as {
    id: string;
    scopes: string[];
  }[];
  expect(listed.find((t) => t.id === mlflowOnly.id)?.scopes).toEqual(["mlflow"]);
  // Without scopes a token is what every token was before scopes: the whole account.
  expect(listed.find((t) => t.id !== mlflowOnly.id)?.scopes).toEqual(["account"]);

  const unknown = await create(asBootstrap, { scopes: ["mlflow", "fly"] });
  expect([unknown.status(), await errorCode(unknown)]).toEqual([400, "invalid_scope"]);
  expect(((await unknown.json()) as { message: string }).message).toContain('"fly"');
  expect((await create(asBootstrap, { scopes: [] })).status()).toBe(400);
  expect((await create(asBootstrap, { scopes: ["admin"] })).status()).toBe(403);

  // A token that may make tokens passes on only what it holds itself.
  const maker = bearer(((await (await create(asBootstrap, { scopes: ["tokens", "mlflow"] })).json()) as { token: string }).token);
  const child = await create(maker, { scopes: ["mlflow"] });
  expect(child.status()).toBe(201);
  await refusedFor(await create(maker, { scopes: ["account"] }), "account");
  await refusedFor(await create(maker, { scopes: ["servers"] }), "servers");
  await refusedFor(await create(maker, {}), "account");
});

test("an admin's token uses admin rights only with the admin scope", async ({ request }) => {
  const name = "d-boss";
  await userWithToken(request, DEV_URL, name, "admin");
  const tokenWith = async (scopes: string[]) =>
    bearer(
      (
        (await (await request.post(`${DEV_URL}/api/users/${name}/tokens`, { headers: asBootstrap, data: { scopes } })).json()) as {
          token: string;
        }
      ).token,
    );
  const plain = await tokenWith(["account"]);
  await refusedFor(await request.get(`${DEV_URL}/api/users`, { headers: plain }), "admin");
  await refusedFor(await request.get(`${DEV_URL}/api/audit`, { headers: plain }), "admin");
  expect((await request.get(`${DEV_URL}/api/users/d-picky/tokens`, { headers: plain })).status()).toBe(403);
  expect(await (await request.get(`${DEV_URL}/api/me`, { headers: plain })).json()).toMatchObject({ name, role: "admin", admin: false });
  const admin = await tokenWith(["admin"]);
  expect((await request.get(`${DEV_URL}/api/users`, { headers: admin })).status()).toBe(200);
  expect((await request.get(`${DEV_URL}/api/users/d-picky/tokens`, { headers: admin })).status()).toBe(200);
  expect(await (await request.get(`${DEV_URL}/api/me`, { headers: admin })).json()).toMatchObject({ name, admin: true });
});

test("the tokens panel creates a token with the scopes ticked and lists each token's scopes", async ({ page }) => {
  await devSignIn(page, DEV_URL, "d-panel");
  await visit(page, DEV_URL);
  const panel = page.getByTestId("tokens-panel");
  // MLflow alone is ticked by default: a token made by hand is usually for the MLflow client.
  await expect(panel.getByRole("checkbox", { name: "mlflow" })).toBeChecked();
  await expect(panel.getByRole("checkbox", { name: "account", exact: true })).not.toBeChecked();
  await expect(panel.getByRole("checkbox", { name: "admin" })).toHaveCount(0);
  await panel.getByLabel("What is it for?").fill("laptop mlflow + packages");
  await panel.getByRole("checkbox", { name: "packages:read" }).check();
  await panel.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toContainText("atr_");
  const row = panel.getByRole("row", { name: /laptop mlflow \+ packages/ });
  await expect(row).toContainText("mlflow");
  await expect(row).toContainText("packages:read");
  await expect(row).not.toContainText("account");
  await screenshot(page, "tokens-panel-scopes");
  // Ticking a scope ticks and greys what it includes.
  await panel.getByRole("checkbox", { name: "account", exact: true }).check();
  for (const implied of ["tokens", "workspaces:access", "account:read"]) {
    const box = panel.getByRole("checkbox", { name: implied, exact: true });
    await expect(box).toBeChecked();
    await expect(box).toBeDisabled();
  }
  await screenshot(page, "tokens-panel-account-scope");
  const created = (await (await page.request.get(`${DEV_URL}/api/users/d-panel/tokens`)).json()) as { note: string; scopes: string[] }[];
  expect(created.find((t) => t.note === "laptop mlflow + packages")?.scopes).toEqual(["mlflow", "packages:read"]);
});
