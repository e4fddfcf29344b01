import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import Dockerode from "dockerode";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { DEV_URL } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * Token scopes (lib/auth/scopes.ts), as an attacker holding a token would try them: the
 * MLFLOW_TRACKING_TOKEN read from a real workspace's environment, and personal tokens made with
 * fewer scopes, against the development portal (PGlite) and the real engine.
 */

const OWNER = "d-scoped";
const ASK = { cpu: 0.5, memGb: 0.5, environment: "python" };
const MLFLOW = `${DEV_URL}/api/2.0/mlflow`;

test.describe.configure({ mode: "serial" });

async function refusedFor(res: APIResponse, scope: string): Promise<void> {
  const body = (await res.json()) as { error?: string; message?: string };
  expect([res.status(), body.error], JSON.stringify(body)).toEqual([403, "insufficient_scope"]);
  expect(body.message).toContain(`"${scope}"`);
}

async function waitForStatus(request: APIRequestContext, server: string, token: string, want: string): Promise<void> {
  await expect
    .poll(async () => ((await (await request.get(`${DEV_URL}/api/users/${OWNER}/servers/${server}`, { headers: bearer(token) })).json()) as { status: string }).status, {
      timeout: 60_000,
    })
    .toBe(want);
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
  test.setTimeout(180_000);
  const personal = await userWithToken(request, DEV_URL, OWNER, "power");
  const own = bearer(personal);
  try {
    for (const server of ["default", "second"]) {
      expect((await request.post(`${DEV_URL}/api/users/${OWNER}/servers/${server}`, { headers: own, data: ASK })).status()).toBe(202);
    }
    await waitForStatus(request, "default", personal, "running");
    await waitForStatus(request, "second", personal, "running");
    const ws = bearer(await workspaceToken("default"));

    // What the token is for: MLflow.
    const exp = await request.post(`${MLFLOW}/experiments/create`, { headers: ws, data: { name: `d-scopes-${Date.now()}` } });
    expect(exp.status()).toBe(200);
    const experimentId = ((await exp.json()) as { experiment_id: string }).experiment_id;
    const run = await request.post(`${MLFLOW}/runs/create`, { headers: ws, data: { experiment_id: experimentId, start_time: Date.now() } });
    expect(run.status()).toBe(200);
    const runId = ((await run.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
    expect((await request.post(`${MLFLOW}/runs/log-metric`, { headers: ws, data: { run_id: runId, key: "acc", value: 0.9, timestamp: Date.now(), step: 0 } })).status()).toBe(200);

    // Minting a full token, managing tokens, starting or stopping servers, opening the proxy: refused.
    await refusedFor(await request.post(`${DEV_URL}/api/users/${OWNER}/tokens`, { headers: ws, data: { note: "escalate" } }), "tokens");
    await refusedFor(await request.get(`${DEV_URL}/api/users/${OWNER}/tokens`, { headers: ws }), "tokens");
    await refusedFor(await request.post(`${DEV_URL}/api/users/${OWNER}/servers/third`, { headers: ws, data: ASK }), "servers");
    await refusedFor(await request.delete(`${DEV_URL}/api/users/${OWNER}/servers/second`, { headers: ws }), "servers");
    await refusedFor(await request.get(`${DEV_URL}/api/users/${OWNER}/servers`, { headers: ws }), "servers");
    await refusedFor(await request.get(`${DEV_URL}/user/${OWNER}/default/api/status`, { headers: ws }), "workspaces:access");
    await refusedFor(await request.get(`${DEV_URL}/user/${OWNER}/second/api/contents`, { headers: ws }), "workspaces:access");
    await refusedFor(await request.get(`${DEV_URL}/api/me`, { headers: ws }), "account:read");
    // Pages show a whole account (servers, usage, tokens): a token needs "account" to render one.
    expect((await request.get(`${DEV_URL}/`, { headers: ws, maxRedirects: 0 })).status()).toBe(403);
    expect((await request.get(`${DEV_URL}/servers/${OWNER}/default`, { headers: ws, maxRedirects: 0 })).status()).toBe(403);

    // Packages: browsing passes the scope check (this portal has no index), and its own server is reachable...
    const browse = await request.get(`${DEV_URL}/api/packages?q=numpy`, { headers: ws });
    expect(await errorCode(browse)).toBe("index_not_configured");
    const listed = await request.get(`${DEV_URL}/api/users/${OWNER}/servers/default/packages`, { headers: ws });
    expect(listed.status()).toBe(200);
    expect(((await listed.json()) as { name: string }[]).some((p) => p.name.toLowerCase() === "notebook")).toBe(true);
    const install = await request.post(`${DEV_URL}/api/users/${OWNER}/servers/default/packages`, { headers: ws, data: { name: "six" } });
    expect(await errorCode(install)).toBe("index_not_configured");
    // ...but not another server of the same person.
    const otherInstall = await request.post(`${DEV_URL}/api/users/${OWNER}/servers/second/packages`, { headers: ws, data: { name: "six" } });
    expect([otherInstall.status(), await errorCode(otherInstall)]).toEqual([403, "insufficient_scope"]);
    const otherList = await request.get(`${DEV_URL}/api/users/${OWNER}/servers/second/packages`, { headers: ws });
    expect([otherList.status(), await errorCode(otherList)]).toEqual([403, "insufficient_scope"]);

    // The owner's own full token still opens the workspace and stops its servers.
    expect((await request.get(`${DEV_URL}/user/${OWNER}/default/api/status`, { headers: own })).status()).toBe(200);
  } finally {
    for (const server of ["default", "second"]) await request.delete(`${DEV_URL}/api/users/${OWNER}/servers/${server}`, { headers: own });
  }
  await waitForStatus(request, "default", personal, "stopped");
  await waitForStatus(request, "second", personal, "stopped");
});

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
  const listed = (await (await request.get(`${DEV_URL}/api/users/${name}/tokens`, { headers: asBootstrap })).json()) as { id: string; scopes: string[] }[];
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
    bearer(((await (await request.post(`${DEV_URL}/api/users/${name}/tokens`, { headers: asBootstrap, data: { scopes } })).json()) as { token: string }).token);
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
