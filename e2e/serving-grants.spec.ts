import { expect as baseExpect, test, type Page } from "@playwright/test";
import { asBootstrap, bearer, mlflowPost } from "./support/api";
import { ssoSignIn } from "./support/browser";
import { SSO_URL } from "./support/env";

/**
 * Who may call an endpoint, edited on its page (docs/serving.md, "The pages"), in Chromium against the Postgres portal
 * signed in through the real OIDC provider: alice allows bob, is refused a person who does not exist in the API's
 * sentence, removes bob again, and the API's permissions answer what the page showed. The page also shows the request
 * log's settings given in auto_capture_config. Screenshots at 1440 and 390 px land in the e2e output directory.
 */

const expect = baseExpect.configure({ timeout: 20_000 });
const API = `${SSO_URL}/api/2.0/serving-endpoints`;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function shoot(page: Page, name: string) {
  for (const [size, viewport] of [
    ["1440", DESKTOP],
    ["390", PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.getByTestId("grants").scrollIntoViewIfNeeded();
    await page.screenshot({ path: test.info().outputPath(`${name}-${size}.png`) });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} at ${size} px`).toBeLessThanOrEqual(viewport.width);
  }
  await page.setViewportSize(DESKTOP);
}

test("the endpoint page adds and removes who may call it, and shows the request log's settings", async ({ page, request }) => {
  test.setTimeout(180_000);
  await page.setViewportSize(DESKTOP);
  await ssoSignIn(page, SSO_URL, "alice", "alice-pw");
  const tok = await request.post(`${SSO_URL}/api/users/alice/tokens`, { headers: asBootstrap, data: { note: "serving grants" } });
  expect(tok.status(), await tok.text()).toBe(201);
  const token = ((await tok.json()) as { token: string }).token;
  const headers = bearer(token);
  const bob = await request.post(`${SSO_URL}/api/users`, { headers: asBootstrap, data: { name: "bob", role: "user" } });
  expect([201, 409], await bob.text()).toContain(bob.status());

  // alice's endpoints from earlier runs removed (role user allows two); a run's model registered once.
  const listed = (await (await request.get(API, { headers })).json()) as { endpoints: { name: string; creator: string }[] };
  for (const e of listed.endpoints.filter((x) => x.creator === "alice")) await request.delete(`${API}/${e.name}`, { headers });
  const stamp = Date.now();
  const model = `grants-churn-${stamp}`;
  const { experiment_id } = (await mlflowPost(request, SSO_URL, token, "experiments/create", { name: `grants-${stamp}` })) as {
    experiment_id: string;
  };
  const run = (await mlflowPost(request, SSO_URL, token, "runs/create", { experiment_id })) as { run: { info: { run_id: string } } };
  await mlflowPost(request, SSO_URL, token, "registered-models/create", { name: model });
  await mlflowPost(request, SSO_URL, token, "model-versions/create", {
    name: model,
    source: `runs:/${run.run.info.run_id}/model`,
    run_id: run.run.info.run_id,
  });
  const name = `grants-${stamp}`;
  const created = await request.post(API, {
    headers,
    data: {
      name,
      config: {
        served_entities: [{ entity_name: model, entity_version: "1" }],
        auto_capture_config: { log_sample_rate: 0.5, log_sample_bytes: 2048, log_retention_days: 14 },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(200);

  await page.goto(`${SSO_URL}/serving/${name}`);
  await expect(page.getByTestId("log-settings")).toHaveText(
    "The request log has a row for every call, keeps the first 2,048 bytes of the bodies of 50 % of calls, and keeps rows 14 days.",
  );
  await expect(page.getByTestId("grants")).toHaveText("Nobody else yet.");

  // A person who does not exist: the API's sentence where she pressed the button, nothing granted.
  await page.getByTestId("grant-who").fill("nobody-here");
  await page.getByTestId("grant-add").click();
  await expect(page.getByTestId("grant-error")).toHaveText('There is no person named "nobody-here" to grant CAN_QUERY to.');
  await expect(page.getByTestId("grants")).toHaveText("Nobody else yet.");

  await page.getByTestId("grant-who").fill("bob");
  await page.getByTestId("grant-add").click();
  await expect(page.getByTestId("grant")).toHaveCount(1);
  await expect(page.getByTestId("grant")).toContainText("bob (person)");
  await expect(page.getByTestId("grant-error")).toHaveCount(0);
  await expect(page.getByTestId("grant-who")).toHaveValue("");
  const acl = async () =>
    ((await (await request.get(`${API}/${name}/permissions`, { headers })).json()) as { access_control_list: unknown[] })
      .access_control_list;
  expect(await acl()).toEqual([
    { user_name: "alice", permission_level: "CAN_MANAGE" },
    { user_name: "bob", permission_level: "CAN_QUERY" },
  ]);
  await shoot(page, "endpoint-grants");

  await page.getByRole("button", { name: "Remove bob" }).click();
  await expect(page.getByTestId("grants")).toHaveText("Nobody else yet.");
  expect(await acl()).toEqual([{ user_name: "alice", permission_level: "CAN_MANAGE" }]);
});
