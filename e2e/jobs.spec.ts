import { expect, test, type APIRequestContext } from "@playwright/test";
import { bearer, errorCode, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { removeEverythingOf, writeHomeOf } from "./support/engine";
import { DEV_URL, PORTALS } from "./support/env";
import { screenshot, screenshotBothWidths } from "./support/screens";

/** A script in the home that fails the way a person's bug does: a line on stderr, exit code 2. */
const FAILING = { "jobs/nightly.py": 'import sys\nprint("boom: no data for today", file=sys.stderr)\nsys.exit(2)\n' };

const job = (over: Record<string, unknown> = {}) => ({
  name: "nightly",
  path: "jobs/nightly.py",
  environment: "python",
  cpu: 0.5,
  memGb: 0.5,
  timeoutS: 120,
  trigger: { kind: "cron", cron: "0 3 * * *", timeZone: "Europe/Berlin" },
  ...over,
});

test.afterAll(() => removeEverythingOf(PORTALS.flatMap((_, i) => [`jobs-ada-${i}`, `jobs-bob-${i}`])));

async function execution(request: APIRequestContext, base: string, token: string, jobId: string, id: string) {
  return (await (await request.get(`${base}/api/jobs/${jobId}/executions/${id}`, { headers: bearer(token) })).json()) as {
    state: string;
    reason: string | null;
    exitCode: number | null;
    mlflowRunId: string | null;
  };
}

async function refusedAt(
  request: APIRequestContext,
  base: string,
  token: string,
  data: Record<string, unknown>,
  status: number,
  code: string,
) {
  const res = await request.post(`${base}/api/jobs`, { headers: bearer(token), data });
  expect(res.status(), await res.text()).toBe(status);
  expect(await errorCode(res)).toBe(code);
}

PORTALS.forEach((portal, i) => {
  test(`jobs API on ${portal.name}: create, refuse, preview, run now, history, log, pause`, async ({ request }) => {
    test.setTimeout(120_000);
    const base = portal.url;
    const ada = await userWithToken(request, base, `jobs-ada-${i}`);
    const bob = await userWithToken(request, base, `jobs-bob-${i}`);

    // Issue 25 item 7: a path that names no file in her home is refused at create, not by nbformat later.
    await refusedAt(request, base, ada, job({ path: "jobs/missing.ipynb" }), 400, "path_not_found");
    await refusedAt(request, base, ada, job(), 400, "path_not_found");
    await writeHomeOf(request, base, `jobs-ada-${i}`, FAILING);
    // Refusals, each an {error, message} sentence.
    const refused = (data: Record<string, unknown>, status: number, code: string) => refusedAt(request, base, ada, data, status, code);
    await refused(job({ trigger: { kind: "cron", cron: "0 25 * * *", timeZone: "UTC" } }), 400, "invalid_cron");
    await refused(job({ trigger: { kind: "cron", cron: "0 3 * * *", timeZone: "Mars/Base" } }), 400, "invalid_cron");
    await refused(job({ path: "../other/x.py" }), 400, "invalid_path");
    await refused(job({ path: "/etc/x.py" }), 400, "invalid_path");
    await refused(job({ cpu: 64 }), 403, "limit_exceeded");
    // Her home lists what is in it, her server stopped (none was ever started); another person's is not his to read.
    const home = await request.get(`${base}/api/users/jobs-ada-${i}/home?dir=jobs&environment=python`, { headers: bearer(ada) });
    expect(home.status(), await home.text()).toBe(200);
    expect(await home.json()).toEqual({ dir: "jobs", entries: [{ name: "nightly.py", kind: "script" }], truncated: false });
    const peek = await request.get(`${base}/api/users/jobs-ada-${i}/home?dir=jobs&environment=python`, { headers: bearer(bob) });
    expect([403, 404]).toContain(peek.status());
    const escape = await request.get(`${base}/api/users/jobs-ada-${i}/home?dir=..&environment=python`, { headers: bearer(ada) });
    expect(escape.status()).toBe(400);
    expect(await errorCode(escape)).toBe("invalid_path");

    const preview = await request.get(`${base}/api/jobs/cron-preview?cron=${encodeURIComponent("*/30 * * * *")}&timeZone=UTC`, {
      headers: bearer(ada),
    });
    expect(preview.status()).toBe(200);
    const { next } = (await preview.json()) as { next: string[] };
    expect(next).toHaveLength(5);
    expect(next.every((t) => /T\d\d:(00|30):00\.000Z$/.test(t))).toBe(true);
    const badPreview = await request.get(`${base}/api/jobs/cron-preview?cron=nope&timeZone=UTC`, { headers: bearer(ada) });
    expect(badPreview.status()).toBe(400);
    expect(await errorCode(badPreview)).toBe("invalid_cron");

    const created = await request.post(`${base}/api/jobs`, { headers: bearer(ada), data: job() });
    expect(created.status(), await created.text()).toBe(201);
    const j = (await created.json()) as { id: string; nextRun: string | null };
    expect(j.nextRun).toMatch(/Z$/);
    const listed = (await (await request.get(`${base}/api/jobs`, { headers: bearer(ada) })).json()) as { jobs: Array<{ id: string }> };
    expect(listed.jobs.map((x) => x.id)).toEqual([j.id]);

    // Another person's job does not exist for him.
    for (const res of [
      await request.get(`${base}/api/jobs/${j.id}`, { headers: bearer(bob) }),
      await request.post(`${base}/api/jobs/${j.id}/executions`, { headers: bearer(bob) }),
      await request.delete(`${base}/api/jobs/${j.id}`, { headers: bearer(bob) }),
    ]) {
      expect(res.status()).toBe(404);
      expect(await errorCode(res)).toBe("job_not_found");
    }
    expect(((await (await request.get(`${base}/api/jobs`, { headers: bearer(bob) })).json()) as { jobs: unknown[] }).jobs).toEqual([]);

    // Pause and resume.
    const paused = (await (await request.post(`${base}/api/jobs/${j.id}/pause`, { headers: bearer(ada) })).json()) as {
      paused: boolean;
      nextRun: string | null;
    };
    expect(paused).toMatchObject({ paused: true, nextRun: null });
    expect(
      ((await (await request.post(`${base}/api/jobs/${j.id}/resume`, { headers: bearer(ada) })).json()) as { paused: boolean }).paused,
    ).toBe(false);

    // Run now: the script fails with exit code 2, and its last line says why.
    const run = await request.post(`${base}/api/jobs/${j.id}/executions`, { headers: bearer(ada) });
    expect(run.status(), await run.text()).toBe(202);
    const { id } = (await run.json()) as { id: string };
    await expect.poll(async () => (await execution(request, base, ada, j.id, id)).state, { timeout: 60_000 }).toBe("failed");
    const ended = await execution(request, base, ada, j.id, id);
    expect(ended.exitCode).toBe(2);
    expect(ended.reason).toBe("exited with code 2: boom: no data for today");
    expect(ended.mlflowRunId).toMatch(/^[0-9a-f]{32}$/);
    // The row ends first; the log is stored after the token and the object are gone (docs/jobs.md, "Finish").
    const logUrl = `${base}/api/jobs/${j.id}/executions/${id}/log`;
    await expect.poll(async () => (await request.get(logUrl, { headers: bearer(ada) })).status(), { timeout: 30_000 }).toBe(200);
    const log = await request.get(logUrl, { headers: bearer(ada) });
    expect(await log.text()).toContain("boom: no data for today");
    const history = (await (await request.get(`${base}/api/jobs/${j.id}/executions`, { headers: bearer(ada) })).json()) as {
      executions: Array<{ id: string; state: string; durationS: number | null }>;
    };
    expect(history.executions[0]).toMatchObject({ id, state: "failed" });
    expect(history.executions[0]?.durationS).toBeGreaterThanOrEqual(0);
    const cancelEnded = await request.post(`${base}/api/jobs/${j.id}/executions/${id}/cancel`, { headers: bearer(ada) });
    expect(cancelEnded.status()).toBe(409);
    expect(await errorCode(cancelEnded)).toBe("execution_ended");

    expect((await request.delete(`${base}/api/jobs/${j.id}`, { headers: bearer(ada) })).status()).toBe(204);
  });
});

test("the Jobs pages: a form that checks the cron and shows the next five times, the job page, run now, history and log", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const name = "jobs-page-user";
  await devSignIn(page, DEV_URL, name);
  await writeHomeOf(page.request, DEV_URL, name, { ...FAILING, "jobs/report.ipynb": "{}", "notes/readme.txt": "not a job" });
  await visit(page, `${DEV_URL}/jobs`);
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
  await page.waitForLoadState("networkidle");
  const form = page.getByTestId("job-form");
  await form.getByLabel("Name", { exact: true }).fill("nightly");
  await form.getByLabel("Notebook or script in your home").fill("jobs/missing.py");
  // The environment is picked from those her role may use, by name.
  await form.getByLabel("Environment").selectOption({ label: "Python 3.13 · JupyterLab" });
  await expect(form.getByLabel("Environment")).toHaveValue("python");
  await page.getByTestId("cron-input").fill("0 25 * * *");
  await expect(page.getByTestId("cron-error")).toHaveText('The cron expression "0 25 * * *" is not valid: Invalid value for hour: 25.');
  await page.getByTestId("cron-input").fill("*/30 * * * *");
  await expect(page.getByTestId("cron-next").locator("li")).toHaveCount(5);
  await expect(page.getByTestId("cron-next").locator("li").first()).toHaveText(/:(00|30) UTC$/);
  await screenshot(page, "jobs-form");
  await form.getByLabel("CPU", { exact: true }).fill("0.5");
  await form.getByLabel("Memory (GiB)").fill("0.5");
  // Issue 25 item 7: a typed path that names no file is refused at create, with a sentence.
  await form.getByRole("button", { name: "Create job" }).click();
  await expect(form.getByRole("alert")).toHaveText(
    `There is no script at "jobs/missing.py" in the home of ${name}; create it there first or pick one.`,
    { timeout: 60_000 },
  );
  // The picker browses her home (no server of hers runs): folders, then notebooks and scripts; other files are left out.
  await form.getByRole("button", { name: "Browse" }).click();
  const picker = page.getByTestId("home-picker");
  await expect(picker.getByRole("button")).toHaveText(["folderjobs/", "foldernotes/"], { timeout: 60_000 });
  await picker.getByRole("button", { name: "jobs/" }).click();
  await expect(page.getByTestId("home-picker-dir")).toHaveText("~/jobs");
  await expect(picker.getByRole("button", { name: /nightly\.py/ })).toBeVisible({ timeout: 60_000 });
  await expect(picker.getByRole("button", { name: /report\.ipynb/ })).toBeVisible();
  await screenshotBothWidths(page, "jobs-form-picker");
  await picker.getByRole("button", { name: /nightly\.py/ }).click();
  await expect(picker).toHaveCount(0);
  await expect(form.getByTestId("job-path")).toHaveValue("jobs/nightly.py");
  await form.getByRole("button", { name: "Create job" }).click();
  // The create, then the job page's first render: seconds on a machine busy with containers.
  await expect(page.getByRole("heading", { name: "nightly" })).toBeVisible({ timeout: 30_000 });
  // Issue 25 item 3: the page is live. Every state the execution passes through appears without a
  // reload, and nothing is logged to the console (an EventSource once got the ended log as text/plain).
  const consoleErrors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  const seen = new Set<string>();
  const watch = setInterval(() => {
    void page
      .getByTestId("execution-state")
      .first()
      .textContent({ timeout: 500 })
      .then((t) => t && seen.add(t))
      .catch(() => undefined);
  }, 200);
  await page.getByTestId("run-now").click();
  await expect(page.getByTestId("execution-state").first()).toHaveText("failed", { timeout: 90_000 });
  clearInterval(watch);
  expect(
    [...seen].some((s) => s === "queued" || s === "running"),
    [...seen].join(", "),
  ).toBe(true);
  await expect(page.getByTestId("executions-table")).toContainText("exited with code 2");
  await expect(page.getByTestId("execution-log")).toContainText("boom: no data for today");
  await screenshot(page, "jobs-job-page");
  // A run started elsewhere (the API, a cron slot) appears on the open page too.
  const jobId = new URL(page.url()).pathname.split("/").pop() ?? "";
  const started = await page.request.post(`${DEV_URL}/api/jobs/${jobId}/executions`, { headers: { origin: DEV_URL } });
  expect(started.status(), await started.text()).toBeLessThan(300);
  await expect(page.getByTestId("execution-state")).toHaveCount(2, { timeout: 30_000 });
  await expect(page.getByTestId("execution-state").first()).toHaveText("failed", { timeout: 90_000 });
  expect(consoleErrors).toEqual([]);
  await visit(page, `${DEV_URL}/jobs`);
  await expect(page.getByTestId("jobs-table")).toContainText("nightly");
  await expect(page.getByTestId("last-state")).toHaveText("failed");
  await screenshot(page, "jobs-list");
  await removeEverythingOf([name]);
});

test("a live page whose session ended sends the person to sign in, and back to the page afterwards", async ({ page }) => {
  test.setTimeout(120_000);
  const name = "jobs-session-user";
  await devSignIn(page, DEV_URL, name);
  await visit(page, `${DEV_URL}/jobs?from=test`);
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
  // The session ends elsewhere (signed out in another tab, ended by an admin): the cookie is gone.
  await page.context().clearCookies();
  await page.waitForURL(/\/signin\?next=%2Fjobs%3Ffrom%3Dtest$/, { timeout: 60_000 });
  await page.waitForLoadState("networkidle");
  await page.getByLabel("User name").fill(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${DEV_URL}/jobs?from=test`, { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
  // A next that leaves the portal is ignored.
  await visit(page, `${DEV_URL}/signin?next=${encodeURIComponent("//evil.example/")}`);
  await expect(page).toHaveURL(`${DEV_URL}/`);
});
