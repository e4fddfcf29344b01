import { expect, test, type Page } from "@playwright/test";
import { ssoSignIn } from "./support/browser";
import { SSO_URL } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * The admin page of project allowances (docs/projects.md, "Allowances") on the Postgres portal, with an admin who
 * signs in through the real OIDC provider: every project listed with its allowance and what it holds, a row changed
 * inline through PUT /api/projects/<p>/allowance, the server's refusal of a bad value shown in the row, and the
 * storage budget refusing an upload through MLflow's artifacts API in MLflow's shape, naming the project.
 */

const PROJECT = "allowance-e2e";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

test.describe.configure({ mode: "serial" });

/** A request from the page itself, with its session cookie and origin, as the page's own scripts make them. */
async function call(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ method, path, body, headers }) => {
      const res = await fetch(path, {
        method,
        headers: { ...headers, ...(typeof body === "object" ? { "content-type": "application/json" } : {}) },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    },
    { method, path, body, headers },
  );
}

let admin: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  admin = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  await ssoSignIn(admin, SSO_URL, "root-admin", "root-pw");
  // From an earlier run of this spec on the same database.
  await call(admin, "DELETE", `/api/projects/${PROJECT}`);
  expect((await call(admin, "POST", "/api/projects", { name: PROJECT, description: "Allowances from the admin page" })).status).toBe(201);
});
test.afterAll(async () => {
  await admin?.context().close();
});

test("an admin sets a project's allowance inline, and sees a bad value refused in the row", async () => {
  await admin.goto(`${SSO_URL}/admin/users`);
  await admin.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Projects" }).click();
  await expect(admin).toHaveURL(/\/admin\/projects$/);
  await admin.waitForLoadState("networkidle");
  const row = admin.getByTestId(`allowance-row-${PROJECT}`);
  await expect(row.getByLabel(`CPUs for ${PROJECT}`)).toHaveValue("");
  await expect(row.getByTestId(`in-use-storageGb-${PROJECT}`)).toHaveText("0 bytes in use");

  await row.getByLabel(`CPUs for ${PROJECT}`).fill("2");
  await row.getByLabel(`Storage for ${PROJECT}`).fill("0.5");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toHaveText("Saved; applies from the next start or upload.");
  const saved = await call(admin, "GET", `/api/projects/${PROJECT}`);
  expect(saved.json.allowance).toEqual({ cpu: 2, memGb: null, endpoints: null, storageGb: 0.5 });

  await row.getByLabel(`Endpoints for ${PROJECT}`).fill("1.5");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toContainText("Endpoints");
  expect((await call(admin, "GET", `/api/projects/${PROJECT}`)).json.allowance).toEqual(saved.json.allowance);

  await row.getByLabel(`Endpoints for ${PROJECT}`).fill("");
  await admin.setViewportSize(PHONE);
  await admin.waitForLoadState("networkidle");
  expect(await admin.evaluate(() => document.documentElement.scrollWidth), "the page fits 390 px").toBeLessThanOrEqual(PHONE.width);
  await screenshot(admin, "admin-projects-390");
  await admin.setViewportSize(DESKTOP);
  await screenshot(admin, "admin-projects-1440");
});

test("the storage budget refuses an upload through MLflow's artifacts API, and the project page shows it beside what is stored", async () => {
  // About 1 KiB: the first upload fits, the second does not.
  const budget = await call(admin, "PUT", `/api/projects/${PROJECT}/allowance`, {
    cpu: 2,
    memGb: null,
    endpoints: null,
    storageGb: 0.000001,
  });
  expect(budget.status).toBe(200);
  const exp = await call(
    admin,
    "POST",
    "/api/2.0/mlflow/experiments/create",
    { name: `${PROJECT}-${Date.now()}` },
    { "X-MLFLOW-WORKSPACE": PROJECT },
  );
  expect(exp.status, JSON.stringify(exp.json)).toBe(200);
  const run = await call(admin, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp.json.experiment_id });
  const info = (run.json.run as { info: { artifact_uri: string } }).info;
  const base = `/api/2.0/mlflow-artifacts/artifacts/${info.artifact_uri.slice("mlflow-artifacts:/".length)}`;
  expect((await call(admin, "PUT", `${base}/small.txt`, "x".repeat(600))).status).toBe(200);
  const refused = await call(admin, "PUT", `${base}/big.txt`, "y".repeat(600));
  expect(refused.status).toBe(413);
  expect(refused.json).toMatchObject({ error_code: "RESOURCE_EXHAUSTED" });
  expect(String(refused.json.message)).toMatch(
    new RegExp(`^Project "${PROJECT}" allows 1\\.0 KiB of artifact storage; its runs and models store 600 bytes`),
  );
  expect((await call(admin, "GET", `${base}/big.txt`)).status).toBe(404);
  expect((await call(admin, "GET", `/api/projects/${PROJECT}`)).json.inUse).toMatchObject({ storageBytes: 600 });

  await admin.goto(`${SSO_URL}/projects/${PROJECT}`);
  await expect(admin.getByTestId("allowance-storage")).toContainText("600 bytes / 1.0 KiB");
  await admin.goto(`${SSO_URL}/admin/projects`);
  await expect(admin.getByTestId(`in-use-storageGb-${PROJECT}`)).toHaveText("600 bytes in use");
});
