/**
 * A project's member group against the real OIDC provider (docs/projects.md, "SSO groups"): with
 * ATRIUM_DEFAULT_PERMISSION=NONE, a person whose groups claim holds `ds-team` signs in and sees the project's
 * experiment; the group is taken away at the provider, and from her next sign-in the experiment does not exist
 * for her (404, absent from lists). It fails if sign-in stops storing the claim's groups (lib/users/sign-in.ts).
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { bearer, mlflowPost, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startTestOidc, type TestOidc, type TestOidcUser } from "./support/oidc-server";
import { startPortal, type RunningPortal } from "./support/portal";

const PORT = extraPort(47);
const URL = localUrl(PORT);
const OWNER = "sg-olga";
const EXPERIMENT = "sg-ds-team-experiment";
/** The provider reads this object's groups at each sign-in, so the test changes them "at the IdP". */
const dana: TestOidcUser = {
  sub: "u-sg-dana",
  preferred_username: "sg-dana",
  name: "Dana Scully",
  email: "dana@example.com",
  groups: ["ds-team", "everyone"],
  password: "dana-pw",
};

let oidc: TestOidc;
let portal: RunningPortal;
let experimentId = "";

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  test.setTimeout(240_000);
  oidc = await startTestOidc({ port: extraPort(48), redirectUris: [`${URL}/api/auth/callback/oidc`], users: [dana] });
  portal = await startPortal("sso-groups", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: E2E_DATABASE_URL,
    ATRIUM_PUBLIC_URL: URL,
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: oidc.clientId,
    OIDC_CLIENT_SECRET: oidc.clientSecret,
    ATRIUM_DEFAULT_PERMISSION: "NONE",
  });
  // Olga makes the project, gives the group ds-team a role in it and creates its experiment through MLflow's API.
  const token = await userWithToken(request, URL, OWNER);
  const project = await request.post(`${URL}/api/projects`, { headers: bearer(token), data: { name: "sg-vision" } });
  expect([201, 409], await project.text()).toContain(project.status());
  const member = await request.post(`${URL}/api/projects/sg-vision/members`, {
    headers: bearer(token),
    data: { group: "ds-team", role: "viewer" },
  });
  expect([201, 409], await member.text()).toContain(member.status());
  const created = await request.post(`${URL}/api/2.0/mlflow/experiments/create`, {
    headers: { ...bearer(token), "x-mlflow-workspace": "sg-vision" },
    data: { name: EXPERIMENT },
  });
  if (created.status() === 200) experimentId = ((await created.json()) as { experiment_id: string }).experiment_id;
  else {
    const found = await request.get(`${URL}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${EXPERIMENT}`, {
      headers: bearer(token),
    });
    experimentId = ((await found.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
  }
  await mlflowPost(request, URL, token, "runs/create", { experiment_id: experimentId });
});

test.afterAll(async () => {
  await portal?.stop();
  await oidc?.stop();
});

/** A sign-in in a fresh browser (no provider session left over), through the provider's own login page. */
async function signedIn(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${URL}/`);
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Username").fill("sg-dana");
  await page.getByLabel("Password").fill("dana-pw");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("me-name")).toHaveText("sg-dana");
  return page;
}

const experimentIdsSeenBy = async (page: Page) => {
  const res = await page.request.get(`${URL}/api/2.0/mlflow/experiments/search?max_results=1000`);
  expect(res.status()).toBe(200);
  return (((await res.json()) as { experiments?: { experiment_id: string }[] }).experiments ?? []).map((e) => e.experiment_id);
};

test("a member of ds-team at the IdP sees the project's experiment; removed from the group, she does not at her next sign-in", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const page = await signedIn(browser);
  const got = await page.request.get(`${URL}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`);
  expect(got.status(), await got.text()).toBe(200);
  expect(await experimentIdsSeenBy(page)).toContain(experimentId);
  // GET: a cookie's POST would need the portal's Origin (docs/architecture.md), which is not what this tests.
  const runs = await page.request.get(`${URL}/api/2.0/mlflow/runs/search?experiment_ids=${experimentId}`);
  expect(((await runs.json()) as { runs?: unknown[] }).runs ?? []).toHaveLength(1);
  await page.goto(`${URL}/experiments`);
  await expect(page.getByRole("link", { name: EXPERIMENT })).toBeVisible();
  await page.context().close();

  // The directory drops her from ds-team; her next sign-in carries the new claim.
  dana.groups = ["everyone"];
  const again = await signedIn(browser);
  const gone = await again.request.get(`${URL}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`);
  expect(gone.status()).toBe(404);
  expect(((await gone.json()) as { error_code: string }).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  expect(await experimentIdsSeenBy(again)).not.toContain(experimentId);
  const noRuns = await again.request.get(`${URL}/api/2.0/mlflow/runs/search?experiment_ids=${experimentId}`);
  expect(((await noRuns.json()) as { runs?: unknown[] }).runs ?? []).toHaveLength(0);
  const projects = await again.request.get(`${URL}/api/projects`);
  expect(((await projects.json()) as { projects: { name: string }[] }).projects.map((p) => p.name)).not.toContain("sg-vision");
  await again.goto(`${URL}/experiments`);
  await expect(again.getByRole("heading", { name: "Experiments", exact: true })).toBeVisible();
  await expect(again.getByRole("link", { name: EXPERIMENT })).toHaveCount(0);
  await again.context().close();
});
