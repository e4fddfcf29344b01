import { expect, test, type APIRequestContext } from "@playwright/test";
import postgres from "postgres";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";

// A database of its own: the background loops (usage sampling) run on one leader per database, and the
// global set-up's portal already leads on E2E_DATABASE_URL.
const ADMIN_DB = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_admin$1");
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";
import { devSignIn, removeWorkspaces, visit } from "./support/browser";

/**
 * The admin pages with real data: a portal of their own (Postgres, development sign-in, a usage
 * sample every 5 s, a metrics token), two real workspaces on the engine, and six hours of earlier
 * usage history written into usage_samples so the charts have a past to show.
 */
const PORT = extraPort(11);
const BASE = localUrl(PORT);
const METRICS_TOKEN = "adm-e-metrics-token-0123456789";
const ROOT = "adm-e-root";
const ANN = "adm-e-ann";
const BOB = "adm-e-bob";
const CROWD = Array.from({ length: 12 }, (_, i) => `adm-e-member-${String(i).padStart(2, "0")}`);

test.describe.configure({ mode: "serial" });

let portal: RunningPortal | undefined;
const tokens: Record<string, string> = {};

async function startWorkspace(request: APIRequestContext, user: string, cpu: number, memGb: number): Promise<void> {
  const res = await request.post(`${BASE}/api/users/${user}/servers/default`, {
    headers: asBootstrap,
    data: { environment: "python", cpu, memGb },
  });
  expect(res.status(), await res.text()).toBe(202);
}

async function waitRunning(request: APIRequestContext, user: string): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await (await request.get(`${BASE}/api/users/${user}/servers/default`, { headers: asBootstrap })).json()) as { status: string })
          .status,
      { timeout: 120_000 },
    )
    .toBe("running");
}

/** Six hours of earlier minutes: a working day's shape for the roles and the two people. */
async function seedHistory(): Promise<void> {
  const sql = postgres(ADMIN_DB, { max: 1, onnotice: () => {} });
  try {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    // A person's samples are keyed by her id (users.id), not her name.
    const idOf = new Map(
      (await sql<{ name: string; id: string }[]>`select name, id from users where name in ${sql([ANN, BOB])}`).map((u) => [u.name, u.id]),
    );
    const rows: Record<string, unknown>[] = [];
    for (let m = 360; m >= 3; m--) {
      const at = new Date(now - m * 60_000);
      const busy = m > 60 && m < 300;
      const ann = busy
        ? { cpu: 4, mem: 12, used: 2.5 + Math.sin(m / 9), memUsed: 7 + Math.sin(m / 13) * 2 }
        : { cpu: 1, mem: 1, used: 0.2, memUsed: 0.5 };
      const bob =
        m % 120 < 70 ? { cpu: 1, mem: 2, used: 0.6 + Math.cos(m / 7) * 0.3, memUsed: 1.1 } : { cpu: 0, mem: 0, used: 0, memUsed: 0 };
      const row = (scope: string, subject: string, v: { cpu: number; mem: number; used: number; memUsed: number }, servers: number) => ({
        at,
        scope,
        subject,
        cpu_allocated: v.cpu,
        mem_gb_allocated: v.mem,
        cpu_used: v.used,
        mem_gb_used: v.memUsed,
        servers,
      });
      rows.push(row("user", idOf.get(ANN) ?? ANN, ann, 1));
      if (bob.cpu > 0) rows.push(row("user", idOf.get(BOB) ?? BOB, bob, 1));
      rows.push(
        row("role", "power", ann, 1),
        row("role", "user", bob, bob.cpu > 0 ? 1 : 0),
        row("role", "admin", { cpu: 0, mem: 0, used: 0, memUsed: 0 }, 0),
      );
      rows.push(
        row(
          "total",
          "all",
          { cpu: ann.cpu + bob.cpu, mem: ann.mem + bob.mem, used: ann.used + bob.used, memUsed: ann.memUsed + bob.memUsed },
          bob.cpu > 0 ? 2 : 1,
        ),
      );
    }
    for (let i = 0; i < rows.length; i += 500) await sql`insert into usage_samples ${sql(rows.slice(i, i + 500))} on conflict do nothing`;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(240_000);
  await removeWorkspaces([ANN, BOB]);
  await ensureDatabase(ADMIN_DB);
  await resetDatabase(ADMIN_DB);
  portal = await startPortal("admin-pages", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: ADMIN_DB,
    ATRIUM_PUBLIC_URL: BASE,
    ATRIUM_ADMIN_USERS: ROOT,
    ATRIUM_USAGE_SAMPLE_S: "5",
    ATRIUM_METRICS_TOKEN: METRICS_TOKEN,
  });
  tokens[ANN] = await userWithToken(request, BASE, ANN, "power");
  tokens[BOB] = await userWithToken(request, BASE, BOB, "user");
  for (const name of CROWD) await request.post(`${BASE}/api/users`, { headers: asBootstrap, data: { name, role: "user" } });
  await seedHistory();
  await startWorkspace(request, ANN, 1, 1);
  await startWorkspace(request, BOB, 0.5, 0.5);
  await waitRunning(request, ANN);
  await waitRunning(request, BOB);
});

test.afterAll(async ({ request }) => {
  for (const user of [ANN, BOB])
    await request.delete(`${BASE}/api/users/${user}/servers/default`, { headers: asBootstrap }).catch(() => undefined);
  await portal?.stop();
  await removeWorkspaces([ANN, BOB]);
});

test("the users table shows roles, their source and what each person holds against their limits", async ({ page }) => {
  await devSignIn(page, BASE, ROOT);
  await visit(page, `${BASE}/admin/users?sort=cpu&dir=desc`);
  const table = page.getByTestId("users-table");
  const first = table.locator("tbody tr").first();
  await expect(first).toHaveAttribute("data-testid", `user-${ANN}`);
  await expect(page.getByRole("meter", { name: `CPU of ${ANN}` })).toHaveAttribute("aria-valuenow", "1");
  await expect(page.getByRole("meter", { name: `CPU of ${ANN}` })).toHaveAttribute("aria-valuemax", "16");
  await expect(page.getByRole("meter", { name: `Memory of ${BOB}` })).toHaveAttribute("aria-valuenow", "0.5");
  await expect(table.getByTestId(`user-${ROOT}`)).toContainText("ATRIUM_ADMIN_USERS");
  await expect(table.getByTestId(`user-${ANN}`)).toContainText("set by an admin");
  await page.getByLabel("Search users").fill("adm-e-member-0");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(table.locator("tbody tr")).toHaveCount(10);
  await expect(page.getByText("1–10 of 10")).toBeVisible();
  await visit(page, `${BASE}/admin/users?sort=cpu&dir=desc`);
  await screenshot(page, "admin-users-table");
});

test("an admin lowers one person's limit and their next start is refused with the new number", async ({ page, request }) => {
  await devSignIn(page, BASE, ROOT);
  await visit(page, `${BASE}/admin/users/${BOB}`);
  await expect(page.getByRole("heading", { name: BOB })).toBeVisible();
  await expect(page.getByRole("meter", { name: "CPU" })).toHaveAttribute("aria-valuenow", "0.5");
  const editor = page.getByTestId("overrides-editor");
  await editor.getByLabel("Servers").fill("2");
  await editor.getByLabel("CPU per server").fill("0.5");
  await editor.getByRole("button", { name: "Save limits" }).click();
  await expect(editor.getByRole("status")).toHaveText("Saved. The next start is checked against these limits.");
  const stored = (await (await request.get(`${BASE}/api/users/${BOB}`, { headers: asBootstrap })).json()) as { limits: unknown };
  expect(stored.limits).toEqual({ maxServers: 2, maxCpu: 0.5 });

  const refused = await request.post(`${BASE}/api/users/${BOB}/servers/second`, {
    headers: bearer(tokens[BOB] ?? ""),
    data: { environment: "python", cpu: 1, memGb: 0.5 },
  });
  expect(refused.status()).toBe(403);
  expect(await errorCode(refused)).toBe("limit_exceeded");
  await visit(page, `${BASE}/admin/users/${BOB}`);
  await expect(page.getByTestId("audit-table")).toContainText("maxServers=2");
  await screenshot(page, "admin-user-limits");
});

test("the roles editor adds a role and changes a limit", async ({ page, request }) => {
  await devSignIn(page, BASE, ROOT);
  await visit(page, `${BASE}/admin/roles`);
  const add = page.getByTestId("role-new");
  await add.getByLabel("New role name").fill("adm-e-gpu");
  const values = [
    ...["CPU per server", "4", "Memory per server", "16", "Servers", "2", "CPU in all", "8", "Memory in all", "32"],
    ...["Processes per container", "256"],
  ];
  for (let i = 0; i < values.length; i += 2) await add.getByLabel(`${values[i]} for new role`).fill(values[i + 1] ?? "");
  await add.getByRole("button", { name: "Add" }).click();
  const row = page.getByTestId("role-adm-e-gpu");
  await expect(row).toBeVisible();
  await row.getByLabel("Servers for adm-e-gpu").fill("3");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toHaveText("Saved; applies from the next start.");
  const roles = (await (await request.get(`${BASE}/api/roles`, { headers: asBootstrap })).json()) as {
    name: string;
    maxServers: number;
    maxTotalCpu: number;
    maxPids: number;
  }[];
  expect(roles.find((r) => r.name === "adm-e-gpu")).toMatchObject({ maxServers: 3, maxTotalCpu: 8, maxPids: 256 });
  await screenshot(page, "admin-roles");
});

test("the usage page charts allocation by role against the machine and per person against quota", async ({ page }) => {
  await devSignIn(page, BASE, ROOT);
  await visit(page, `${BASE}/admin/usage?range=24h`);
  await expect(page.getByTestId("chart-cpu").getByRole("application")).toBeVisible();
  expect(await page.getByTestId("chart-cpu").locator(".recharts-area").count()).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId("chart-top-cpu").getByText(ANN)).toBeVisible();
  // The newest sample, not a bucket average: both workspaces run, 1 + 0.5 CPUs.
  await expect(page.getByTestId("usage-now")).toContainText(/CPU allocated now1\.5 of \d+/);
  await expect(page.getByTestId("usage-now")).toContainText("by 2 servers");
  await screenshot(page, "admin-usage");
});

test("the proxy and the metrics: a scrape needs the token and parses", async ({ request }) => {
  const status = await request.get(`${BASE}/user/${ANN}/default/api/status`, { headers: bearer(tokens[ANN] ?? "") });
  expect(status.status()).toBe(200);
  expect((await request.get(`${BASE}/metrics`)).status()).toBe(401);
  expect((await request.get(`${BASE}/metrics`, { headers: bearer("wrong-token-0123456789") })).status()).toBe(401);
  const res = await request.get(`${BASE}/metrics`, { headers: bearer(METRICS_TOKEN) });
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("text/plain");
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf))$/.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    samples.set(m?.[1] ?? "", Number(m?.[2]));
  }
  expect(samples.get('atrium_active_servers{state="running"}')).toBe(2);
  expect(samples.get("atrium_spawn_duration_seconds_count")).toBeGreaterThanOrEqual(2);
  expect(samples.get('atrium_proxy_requests_total{kind="http",code="200"}')).toBeGreaterThanOrEqual(1);
  expect(samples.get("atrium_proxy_request_duration_seconds_count")).toBeGreaterThanOrEqual(1);
  expect(samples.get("atrium_culls_total")).toBe(0);
  expect(samples.get("atrium_tracking_writes_total")).toBe(0);
  for (const family of ["atrium_spawn_failures_total", "atrium_spawn_duration_seconds", "atrium_proxy_requests_total"])
    expect(text).toContain(`# TYPE ${family} `);
});

test("the servers table shows live use and stops several at once, each recorded in the audit log", async ({ page }) => {
  test.setTimeout(120_000);
  await devSignIn(page, BASE, ROOT);
  page.on("dialog", (d) => void d.accept());
  await visit(page, `${BASE}/admin/servers`);
  await expect(page.getByTestId("servers-summary")).toHaveText("2 active servers holding 1.5 CPUs and 1.5 GiB");
  await expect(page.getByRole("meter", { name: `Memory of ${ANN}/default` })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId(`server-row-${ANN}/default`)).toContainText("python");
  // Job executions hold CPU and memory like servers: the page has their table too.
  await expect(page.getByTestId("running-executions")).toContainText("No job execution is running.");
  await screenshot(page, "admin-servers");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "admin-servers-390");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByLabel("Select all servers").check();
  await page.getByRole("button", { name: "Stop selected (2)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Stopping 2 servers" })).toBeVisible();
  await expect(page.getByTestId("no-active-servers")).toBeVisible({ timeout: 60_000 });

  await visit(page, `${BASE}/admin/audit?action=server.stop&actor=${ROOT}`);
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(ROOT);
  await visit(page, `${BASE}/admin/audit`);
  await screenshot(page, "admin-audit");
});

test("a person sees their own usage on the home page", async ({ page }) => {
  await devSignIn(page, BASE, ANN);
  await expect(page.getByTestId("my-usage-cpu").getByRole("application")).toBeVisible();
  await page.getByTestId("my-usage").scrollIntoViewIfNeeded();
  await screenshot(page, "home-my-usage");
});
