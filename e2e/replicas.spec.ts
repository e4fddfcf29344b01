import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { objectName } from "../lib/spawner/kinds";
import { workspaceRef } from "../lib/workspaces/workload";
import { bearer, errorCode, userWithToken } from "./support/api";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";
import { removeEverythingOf } from "./support/engine";

// Two replicas on one database of their own: the global set-up's portal on E2E_DATABASE_URL would
// otherwise compete for the leader lock (advisory locks are per database).
const REPLICA_DB = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_replicas$1");
const A_URL = localUrl(extraPort(6));
const B_URL = localUrl(extraPort(7));

interface HealthBody {
  status: string;
  replica: { id: string; leader: boolean };
}

/** CI's set-up creates the standard databases only; this one is made on first use. */
async function health(request: APIRequestContext, base: string): Promise<HealthBody> {
  return (await (await request.get(`${base}/api/health`)).json()) as HealthBody;
}

async function serverStatus(
  request: APIRequestContext,
  base: string,
  user: string,
  token: string,
): Promise<{ status: string; reason?: string }> {
  return (await (await request.get(`${base}/api/users/${user}/servers/default`, { headers: bearer(token) })).json()) as {
    status: string;
    reason?: string;
  };
}

/** Starts through `base` and, when given, follows the start's progress through another replica. */
async function startWorkspace(request: APIRequestContext, base: string, user: string, token: string, progressBase?: string): Promise<void> {
  const res = await request.post(`${base}/api/users/${user}/servers/default`, {
    headers: bearer(token),
    data: { cpu: 0.5, memGb: 0.5, environment: "python" },
  });
  expect(res.status(), await res.text()).toBe(202);
  if (progressBase) {
    // The spawn runs in `base`'s process; its progress is in Postgres, so the other replica streams it.
    const progress = await request.get(`${progressBase}/api/users/${user}/servers/default/progress`, {
      headers: bearer(token),
      timeout: 120_000,
    });
    const events = (await progress.text())
      .split("\n\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)) as { progress: number; ready?: boolean });
    expect(events.at(-1)).toMatchObject({ ready: true, progress: 100 });
  }
  await expect.poll(async () => (await serverStatus(request, base, user, token)).status, { timeout: 90_000 }).toBe("running");
}

test.describe.configure({ timeout: 240_000 });

// Each run's people get new ids and so new home volumes: remove what they leave on the engine.
test.afterAll(() => removeEverythingOf(["rep-owner", "rep-victim"]));

test("two replicas on one Postgres: start on A, use and stop on B, one leader, and B takes over when A is killed", async ({
  request,
  page,
}) => {
  await ensureDatabase(REPLICA_DB);
  await resetDatabase(REPLICA_DB);
  const common = { AUTH_SECRET, ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, DATABASE_URL: REPLICA_DB, ATRIUM_USAGE_SAMPLE_S: "2" };
  const portals: RunningPortal[] = [];
  try {
    // One after the other: the first applies the migrations the second then finds done.
    const a = await startPortal("replica-a", extraPort(6), { ...common, ATRIUM_PUBLIC_URL: A_URL });
    portals.push(a);
    const b = await startPortal("replica-b", extraPort(7), { ...common, ATRIUM_PUBLIC_URL: B_URL });
    portals.push(b);

    // Exactly one leader, A (it took the lock first); B keeps asking and keeps being refused.
    await expect.poll(async () => (await health(request, A_URL)).replica.leader, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 6_000)); // more than one retry round of B
    const [ha, hb] = [await health(request, A_URL), await health(request, B_URL)];
    // host:pid of the portal process: node runs the built server itself, so the pid startPortal saw.
    expect(ha.replica).toEqual({ id: expect.stringMatching(new RegExp(`^.+:${a.pid}$`)), leader: true });
    expect(hb.replica).toEqual({ id: expect.stringMatching(new RegExp(`^.+:${b.pid}$`)), leader: false });
    expect(hb.replica.id).not.toBe(ha.replica.id);

    // Start through A, open through B: the target comes from Postgres, not from A's memory.
    const owner = await userWithToken(request, A_URL, "rep-owner");
    await startWorkspace(request, A_URL, "rep-owner", owner, B_URL);
    const viaB = await request.get(`${B_URL}/user/rep-owner/default/api/status`, { headers: bearer(owner) });
    expect(viaB.status()).toBe(200);
    expect(await viaB.json()).toHaveProperty("started");
    // A browser signed in through A is signed in on B too (one AUTH_SECRET, JWT sessions).
    await page.goto(`${A_URL}/signin`);
    await page.getByLabel("User name").fill("rep-owner");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("me-name")).toHaveText("rep-owner");
    await page.goto(`${B_URL}/`);
    await expect(page.getByTestId("me-name")).toHaveText("rep-owner");
    await expect(page.getByTestId("server-default").getByTestId("server-status")).toHaveAttribute("data-status", "running");
    await screenshot(page, "replicas-home-on-b");
    const kernelsViaB = await page.request.get(`${B_URL}/user/rep-owner/default/api/kernels`);
    expect(kernelsViaB.status()).toBe(200);

    // A has the target in its cache now; a stop through B must reach A within the cache's 2 s bound.
    expect((await request.get(`${A_URL}/user/rep-owner/default/api/status`, { headers: bearer(owner) })).status()).toBe(200);
    const stopAt = Date.now();
    expect((await request.delete(`${B_URL}/api/users/rep-owner/servers/default`, { headers: bearer(owner) })).status()).toBe(202);
    await expect
      .poll(async () => (await request.get(`${A_URL}/user/rep-owner/default/api/status`, { headers: bearer(owner) })).status(), {
        timeout: 5_000,
        intervals: [100],
      })
      .toBe(503);
    const refusedAfterMs = Date.now() - stopAt;
    console.log(`[replicas] A refused the stopped workspace ${refusedAfterMs} ms after the stop through B`);
    expect(refusedAfterMs).toBeLessThan(5_000);
    expect(await errorCode(await request.get(`${A_URL}/user/rep-owner/default/api/status`, { headers: bearer(owner) }))).toBe(
      "server_not_running",
    );
    await expect.poll(async () => (await serverStatus(request, A_URL, "rep-owner", owner)).status, { timeout: 30_000 }).toBe("stopped");

    // A workspace whose container dies while the leader is dead: the new leader's reconcile finds it.
    const victim = await userWithToken(request, B_URL, "rep-victim");
    await startWorkspace(request, B_URL, "rep-victim", victim);
    const killedAt = Date.now();
    await a.stop("SIGKILL");
    await promisify(execFile)("docker", ["kill", objectName(workspaceRef({ user: "rep-victim", server: "default" }))]);
    await expect.poll(async () => (await health(request, B_URL)).replica.leader, { timeout: 30_000, intervals: [250] }).toBe(true);
    const tookOverMs = Date.now() - killedAt;
    console.log(`[replicas] B became the leader ${tookOverMs} ms after A was killed`);
    expect(tookOverMs).toBeLessThan(30_000);
    // Reconcile runs at once on promotion and then every 30 s; either way within 40 s.
    await expect.poll(async () => (await serverStatus(request, B_URL, "rep-victim", victim)).status, { timeout: 40_000 }).toBe("failed");
    expect((await serverStatus(request, B_URL, "rep-victim", victim)).reason).toMatch(/^exited with code 137/);
  } finally {
    await Promise.all(portals.map((p) => p.stop()));
    await promisify(execFile)("docker", [
      "rm",
      "-f",
      objectName(workspaceRef({ user: "rep-owner", server: "default" })),
      objectName(workspaceRef({ user: "rep-victim", server: "default" })),
    ]).catch(() => undefined);
  }
});
