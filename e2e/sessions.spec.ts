import { expect, test, type APIRequestContext, type BrowserContext } from "@playwright/test";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn } from "./support/browser";
import { containersOf, execIn, removeEverythingOf, writeHomeOf } from "./support/engine";
import { DEV_URL } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * Sessions and deleted users, as an attacker would try them against a real portal (PGlite, development
 * sign-in), Chromium and the real Docker engine: a cookie copied before sign-out, a cookie of a deleted
 * user whose name is created again, the home volume and the running container a deleted user leaves.
 */

const PEOPLE = ["b-sam", "b-del", "b-vol", "b-rm", "b-ses", "b-ui", "b-list"];
/** How long a revocation may take to reach every replica (docs: sessions are checked on every request). */
const REVOCATION_MS = 6_000;

test.describe.configure({ mode: "serial" });
test.beforeAll(() => removeEverythingOf(PEOPLE));
test.afterAll(async ({ request }) => {
  for (const name of PEOPLE)
    await request.delete(`${DEV_URL}/api/users/${name}?volume=remove`, { headers: asBootstrap }).catch(() => undefined);
  await removeEverythingOf(PEOPLE);
});

async function cookieHeader(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies(DEV_URL);
  expect(cookies.some((c) => c.name.includes("session-token"))).toBe(true);
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

const meStatus = async (request: APIRequestContext, cookie: string) =>
  (await request.get(`${DEV_URL}/api/me`, { headers: { cookie } })).status();

async function startAndWait(request: APIRequestContext, user: string, token: string): Promise<string> {
  const started = await request.post(`${DEV_URL}/api/users/${user}/servers/default`, {
    headers: bearer(token),
    data: { cpu: 0.5, memGb: 0.5, environment: "python" },
  });
  expect(started.status(), await started.text()).toBe(202);
  await expect
    .poll(
      async () =>
        (
          (await (await request.get(`${DEV_URL}/api/users/${user}/servers/default`, { headers: bearer(token) })).json()) as {
            status: string;
          }
        ).status,
      { timeout: 120_000 },
    )
    .toBe("running");
  const running = (await containersOf(user)).filter((c) => c.State === "running");
  expect(running).toHaveLength(1);
  return running[0]!.Id;
}

test("a session cookie copied before sign-out is refused once the person signed out", async ({ page, context, request }) => {
  await devSignIn(page, DEV_URL, "b-sam");
  const stolen = await cookieHeader(context);
  expect(await meStatus(request, stolen)).toBe(200);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await expect.poll(() => meStatus(request, stolen), { timeout: REVOCATION_MS }).toBe(401);
});

test("the cookie of a deleted user does not work for a new user of the same name", async ({ page, context, request }) => {
  await devSignIn(page, DEV_URL, "b-del");
  const old = await cookieHeader(context);
  expect(await meStatus(request, old)).toBe(200);
  const deleted = await request.delete(`${DEV_URL}/api/users/b-del?volume=keep`, { headers: asBootstrap });
  expect(deleted.status(), await deleted.text()).toBeLessThan(300);
  const again = await request.post(`${DEV_URL}/api/users`, { headers: asBootstrap, data: { name: "b-del", role: "user" } });
  expect(again.status()).toBe(201);
  await expect.poll(() => meStatus(request, old), { timeout: REVOCATION_MS }).toBe(401);
});

test("deleting a user stops her container on the engine, and a new user of that name gets a fresh home", async ({ request }) => {
  test.setTimeout(300_000);
  const first = await userWithToken(request, DEV_URL, "b-vol");
  const oldId = await startAndWait(request, "b-vol", first);
  const wrote = await execIn(oldId, ["sh", "-c", "echo from-the-old-b-vol > /home/jovyan/b-secret.txt"]);
  expect(wrote.code, wrote.output).toBe(0);
  const oldVolume = (await containersOf("b-vol"))[0]?.Mounts.find((m) => m.Destination === "/home/jovyan")?.Name;
  expect(oldVolume).toBeTruthy();

  const deleted = await request.delete(`${DEV_URL}/api/users/b-vol?volume=keep`, { headers: asBootstrap });
  expect(deleted.status(), await deleted.text()).toBeLessThan(300);
  // Stopped and removed on the engine, not merely forgotten by the database.
  expect(await containersOf("b-vol")).toHaveLength(0);
  // The old token went with her.
  expect((await request.get(`${DEV_URL}/api/me`, { headers: bearer(first) })).status()).toBe(401);

  const second = await userWithToken(request, DEV_URL, "b-vol");
  const newId = await startAndWait(request, "b-vol", second);
  expect(newId).not.toBe(oldId);
  const info = (await containersOf("b-vol"))[0];
  const newVolume = info?.Mounts.find((m) => m.Destination === "/home/jovyan")?.Name;
  expect(newVolume).toBeTruthy();
  expect(newVolume).not.toBe(oldVolume);
  const seen = await execIn(newId, ["test", "-e", "/home/jovyan/b-secret.txt"]);
  expect(seen.code, "the new b-vol must not see the old b-vol's files").toBe(1);
});

test("deleting a user with volume=remove removes her home volume from the engine", async ({ request }) => {
  test.setTimeout(180_000);
  const token = await userWithToken(request, DEV_URL, "b-rm");
  const id = await startAndWait(request, "b-rm", token);
  const volume = (await containersOf("b-rm"))[0]?.Mounts.find((m) => m.Destination === "/home/jovyan")?.Name;
  expect(volume).toBeTruthy();
  expect(id).toBeTruthy();
  const deleted = await request.delete(`${DEV_URL}/api/users/b-rm?volume=remove`, { headers: asBootstrap });
  expect(deleted.status(), await deleted.text()).toBe(200);
  expect(await deleted.json()).toMatchObject({ name: "b-rm", servers: ["default"], volume: { name: volume, removed: true } });
  expect(await containersOf("b-rm")).toHaveLength(0);
  const Dockerode = (await import("dockerode")).default;
  await expect(new Dockerode().getVolume(volume!).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test("an admin ends every session of a user from her page, and her copied cookie stops working", async ({ browser, page, request }) => {
  const hers = await browser.newContext();
  const herPage = await hers.newPage();
  await devSignIn(herPage, DEV_URL, "b-ses");
  const cookie = await cookieHeader(hers);
  await hers.close();
  expect(await meStatus(request, cookie)).toBe(200);
  await devSignIn(page, DEV_URL, "admin");
  await page.goto(`${DEV_URL}/admin/users/b-ses`);
  await page.getByRole("button", { name: "End all sessions (1)" }).click();
  await expect(page.getByText("1 session ended; b-ses has to sign in again.")).toBeVisible();
  await expect.poll(() => meStatus(request, cookie), { timeout: REVOCATION_MS }).toBe(401);
});

test("an admin deletes a user from her page after a dialog that names what goes with her", async ({ page, request }) => {
  test.setTimeout(180_000);
  const token = await userWithToken(request, DEV_URL, "b-ui");
  await startAndWait(request, "b-ui", token);
  await devSignIn(page, DEV_URL, "admin");
  await page.goto(`${DEV_URL}/admin/users/b-ui`);
  await page.getByRole("button", { name: "Delete user…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete b-ui?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("1 running server (default) will be stopped and removed");
  await expect(dialog).toContainText("1 API token will stop working.");
  await dialog.getByLabel(/Remove the home volume/).check();
  await expect(dialog).toContainText(/atrium-home-[0-9a-f]{32} and all of b-ui's files in it will be deleted for good/);
  await screenshot(page, "admin-user-delete-dialog");
  await dialog.getByRole("button", { name: "Delete b-ui" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/, { timeout: 30_000 });
  expect((await request.get(`${DEV_URL}/api/users/b-ui`, { headers: asBootstrap })).status()).toBe(404);
  expect(await containersOf("b-ui")).toHaveLength(0);
  const audit = (await (await request.get(`${DEV_URL}/api/audit?action=user.delete&target=b-ui`, { headers: asBootstrap })).json()) as {
    items: { actor: string; detail: Record<string, unknown> }[];
  };
  expect(audit.items[0]).toMatchObject({ actor: "admin", detail: { volume: "remove", servers: ["default"], tokens: 1 } });
});

test("an admin deletes a user from the Users list, keeping her home volume", async ({ page, request }) => {
  const token = await userWithToken(request, DEV_URL, "b-list");
  // A scheduled job (of a script in her home: a job is refused without its file): the dialog says it goes with her.
  await writeHomeOf(request, DEV_URL, "b-list", { "train.py": "print('train')\n" });
  const job = await request.post(`${DEV_URL}/api/jobs`, {
    headers: bearer(token),
    data: {
      name: "nightly",
      path: "train.py",
      environment: "python",
      cpu: 0.25,
      memGb: 0.25,
      timeoutS: 60,
      trigger: { kind: "cron", cron: "0 3 * * *" },
    },
  });
  expect(job.status(), await job.text()).toBe(201);
  await devSignIn(page, DEV_URL, "admin");
  await page.goto(`${DEV_URL}/admin/users?q=b-list`);
  const row = page.getByTestId("user-b-list");
  await row.getByRole("button", { name: "Delete b-list…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete b-list?" });
  await expect(dialog).toContainText("b-list has no running servers.");
  await expect(dialog.getByTestId("delete-user-jobs")).toHaveText("1 job (nightly) will be deleted and never run again.");
  await expect(dialog.getByLabel(/Keep the home volume atrium-home-[0-9a-f]{32}/)).toBeChecked();
  await screenshot(page, "admin-users-delete-dialog-keep");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "admin-users-delete-dialog-keep-390");
  await page.setViewportSize({ width: 1440, height: 900 });
  await dialog.getByRole("button", { name: "Delete b-list" }).click();
  await expect(row).toHaveCount(0);
  expect((await request.get(`${DEV_URL}/api/users/b-list`, { headers: asBootstrap })).status()).toBe(404);
  const audit = (await (await request.get(`${DEV_URL}/api/audit?action=user.delete&target=b-list`, { headers: asBootstrap })).json()) as {
    items: { detail: Record<string, unknown> }[];
  };
  expect(audit.items[0]?.detail).toMatchObject({ volume: "keep", tokens: 1 });
  // The admin's own row offers no delete: deleting oneself is refused anyway.
  await page.goto(`${DEV_URL}/admin/users?q=admin`);
  await expect(page.getByTestId("user-admin").getByRole("button", { name: /Delete/ })).toHaveCount(0);
});
