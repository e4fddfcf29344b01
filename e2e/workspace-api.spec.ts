import { expect, test } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal } from "./support/portal";
import { startSocketRelay } from "./support/socket-relay";
import { removeEverythingOf } from "./support/engine";

const RESTART_DB = process.env.E2E_RESTART_DATABASE_URL ?? E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_restart$1");

async function waitForStatus(
  request: import("@playwright/test").APIRequestContext,
  base: string,
  user: string,
  server: string,
  token: string,
  want: string,
) {
  await expect
    .poll(
      async () =>
        (
          (await (await request.get(`${base}/api/users/${user}/servers/${server}`, { headers: bearer(token) })).json()) as {
            status: string;
          }
        ).status,
      {
        timeout: 60_000,
      },
    )
    .toBe(want);
}

// Each run's people get new ids and so new home volumes: remove what they leave on the engine.
test.afterAll(() => removeEverythingOf(["ws-owner", "ws-other", "survivor", "keeper", "unlucky"]));

test("start a workspace over the API, reach Jupyter through the proxy, refuse others, stop it", async ({ request }) => {
  const owner = await userWithToken(request, DEV_URL, "ws-owner");
  const other = await userWithToken(request, DEV_URL, "ws-other");
  const bad = [
    { cpu: -1, memGb: 1, environment: "python" },
    { cpu: "two", memGb: 1, environment: "python" },
    { cpu: 1, memGb: 0, environment: "python" },
    { cpu: 1, memGb: 1, environment: "nope" },
  ];
  for (const body of bad) {
    const res = await request.post(`${DEV_URL}/api/users/ws-owner/servers/default`, { headers: bearer(owner), data: body });
    expect(res.status(), JSON.stringify(body)).toBe(400);
    await errorCode(res);
  }
  const badName = await request.post(`${DEV_URL}/api/users/ws-owner/servers/Bad_Name`, {
    headers: bearer(owner),
    data: { cpu: 1, memGb: 1, environment: "python" },
  });
  expect(await errorCode(badName)).toBe("invalid_path");
  const over = await request.post(`${DEV_URL}/api/users/ws-owner/servers/default`, {
    headers: bearer(owner),
    data: { cpu: 3, memGb: 1, environment: "python" },
  });
  expect(over.status()).toBe(403);
  const overBody = (await over.json()) as { error: string; message: string };
  expect(overBody.error).toBe("limit_exceeded");
  // Which role is suggested depends on the roles other tests created on this portal.
  expect(overBody.message).toMatch(
    /^You asked for 3 CPUs; role 'user' allows 2 per server; an admin can give you the '[a-z0-9-]+' role\.$/,
  );
  expect(
    ((await (await request.get(`${DEV_URL}/api/users/ws-owner/servers`, { headers: bearer(owner) })).json()) as unknown[]).length,
  ).toBe(0);

  const started = await request.post(`${DEV_URL}/api/users/ws-owner/servers/default`, {
    headers: bearer(owner),
    data: { cpu: 1, memGb: 1, environment: "python" },
  });
  expect(started.status()).toBe(202);
  expect(await started.json()).toMatchObject({ name: "default", status: "pending", url: "/user/ws-owner/default/" });
  const progress = await request.get(`${DEV_URL}/api/users/ws-owner/servers/default/progress`, { headers: bearer(owner) });
  expect(progress.headers()["content-type"]).toContain("text/event-stream");
  const events = (await progress.text())
    .split("\n\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)) as { progress: number; ready?: boolean });
  expect(events.at(-1)).toMatchObject({ ready: true, progress: 100 });
  await waitForStatus(request, DEV_URL, "ws-owner", "default", owner, "running");

  const again = await request.post(`${DEV_URL}/api/users/ws-owner/servers/default`, {
    headers: bearer(owner),
    data: { cpu: 1, memGb: 1, environment: "python" },
  });
  expect(again.status()).toBe(409);
  const status = await request.get(`${DEV_URL}/user/ws-owner/default/api/status`, { headers: bearer(owner) });
  expect(status.status()).toBe(200);
  expect(await status.json()).toHaveProperty("started");
  expect((await request.get(`${DEV_URL}/user/ws-owner/default/api/status`, { headers: bearer(other) })).status()).toBe(403);
  expect((await request.get(`${DEV_URL}/user/ws-owner/default/api/status`, { headers: asBootstrap })).status()).toBe(200);
  expect((await request.get(`${DEV_URL}/user/ws-owner/default/api/status`)).status()).toBe(401);
  expect((await request.get(`${DEV_URL}/api/users/ws-owner/servers/default`, { headers: bearer(other) })).status()).toBe(403);
  expect((await request.delete(`${DEV_URL}/api/users/ws-owner/servers/default`, { headers: bearer(other) })).status()).toBe(403);

  const stopped = await request.delete(`${DEV_URL}/api/users/ws-owner/servers/default`, { headers: bearer(owner) });
  expect(stopped.status()).toBe(202);
  await waitForStatus(request, DEV_URL, "ws-owner", "default", owner, "stopped");
  const after = await request.get(`${DEV_URL}/user/ws-owner/default/api/status`, { headers: bearer(owner) });
  expect(after.status()).toBe(503);
  expect(await errorCode(after)).toBe("server_not_running");
});

test("kill -9 the portal: its workspace keeps running and is reachable after the restart (Postgres)", async ({ request }) => {
  await resetDatabase(RESTART_DB);
  const env = { AUTH_SECRET, ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, DATABASE_URL: RESTART_DB, ATRIUM_PUBLIC_URL: localUrl(extraPort(1)) };
  let portal = await startPortal("restart-1", extraPort(1), env);
  const base = localUrl(extraPort(1));
  try {
    const token = await userWithToken(request, base, "survivor");
    expect(
      (
        await request.post(`${base}/api/users/survivor/servers/default`, {
          headers: bearer(token),
          data: { cpu: 0.5, memGb: 0.5, environment: "python" },
        })
      ).status(),
    ).toBe(202);
    await waitForStatus(request, base, "survivor", "default", token, "running");
    await portal.stop("SIGKILL");
    portal = await startPortal("restart-2", extraPort(1), env);
    const row = await (await request.get(`${base}/api/users/survivor/servers/default`, { headers: bearer(token) })).json();
    expect(row).toMatchObject({ status: "running" });
    const status = await request.get(`${base}/user/survivor/default/api/status`, { headers: bearer(token) });
    expect(status.status()).toBe(200);
    await request.delete(`${base}/api/users/survivor/servers/default`, { headers: bearer(token) });
    await waitForStatus(request, base, "survivor", "default", token, "stopped");
  } finally {
    await portal.stop();
  }
});

test("what was stored survives a restart on PGlite", async ({ request }) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-restart-"));
  const env = { AUTH_SECRET, ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, ATRIUM_DATA_DIR: dir, ATRIUM_PUBLIC_URL: localUrl(extraPort(2)) };
  const base = localUrl(extraPort(2));
  let portal = await startPortal("pglite-restart-1", extraPort(2), env);
  try {
    const token = await userWithToken(request, base, "keeper");
    await request.patch(`${base}/api/users/keeper`, { headers: asBootstrap, data: { role: "power", limits: { maxCpu: 3 } } });
    await portal.stop();
    portal = await startPortal("pglite-restart-2", extraPort(2), env);
    expect(await (await request.get(`${base}/api/me`, { headers: bearer(token) })).json()).toMatchObject({
      name: "keeper",
      role: "power",
      limits: { maxCpu: 3 },
    });
  } finally {
    await portal.stop();
  }
});

test("with the engine gone the API says 503 in one sentence, the portal stays up, and recovers", async ({ request }) => {
  const relay = await startSocketRelay(path.join(os.tmpdir(), `atrium-engine-${Date.now()}.sock`));
  const base = localUrl(extraPort(3));
  const portal = await startPortal("engine-relay", extraPort(3), {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-engine-")),
    ATRIUM_PUBLIC_URL: base,
    DOCKER_HOST: `unix://${relay.path}`,
  });
  try {
    const token = await userWithToken(request, base, "unlucky");
    await relay.cut();
    // The spawner trusts a successful ping for a second, so the change shows within a few.
    await expect
      .poll(async () => (await (await request.get(`${base}/api/health`)).json()) as unknown, { timeout: 10_000 })
      .toMatchObject({
        status: "degraded",
        db: "ok",
        engine: "down",
      });
    const res = await request.post(`${base}/api/users/unlucky/servers/default`, {
      headers: bearer(token),
      data: { cpu: 1, memGb: 1, environment: "python" },
    });
    expect(res.status()).toBe(503);
    expect(await res.json()).toMatchObject({ error: "engine_unavailable" });
    expect((await request.get(`${base}/api/me`, { headers: bearer(token) })).status()).toBe(200);
    const envs = (await (await request.get(`${base}/api/environments`, { headers: bearer(token) })).json()) as { available: boolean }[];
    expect(envs.every((e) => !e.available)).toBe(true);

    await relay.restore();
    await expect
      .poll(async () => (await (await request.get(`${base}/api/health`)).json()) as unknown, { timeout: 10_000 })
      .toMatchObject({ status: "ok", engine: "ok" });
    const ok = await request.post(`${base}/api/users/unlucky/servers/default`, {
      headers: bearer(token),
      data: { cpu: 1, memGb: 1, environment: "python" },
    });
    expect(ok.status()).toBe(202);
    await waitForStatus(request, base, "unlucky", "default", token, "running");
    await request.delete(`${base}/api/users/unlucky/servers/default`, { headers: bearer(token) });
    await waitForStatus(request, base, "unlucky", "default", token, "stopped");
  } finally {
    await portal.stop();
    await relay.stop();
  }
});
