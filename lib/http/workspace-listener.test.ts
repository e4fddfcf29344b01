import { request as httpRequest } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DockerSpawner } from "@/lib/spawner/docker";
import { engineReadiness } from "@/lib/spawner/testing";
import {
  setWorkspaceListenerState,
  startWorkspaceListener,
  workspaceListenerRefusal,
  workspaceListenerState,
  workspacesCannotReach,
  type WorkspaceListenerOptions,
} from "./workspace-listener";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness();

const refusal = (url: string, headers: Record<string, string> = {}) => workspaceListenerRefusal({ url, headers });

describe("what the workspace listener serves", () => {
  it("serves the token APIs a notebook calls, with a token", () => {
    const auth = { authorization: "Bearer atr_x" };
    for (const url of [
      "/api/2.0/mlflow/runs/create",
      "/api/2.0/mlflow-artifacts/artifacts/0/a/b",
      "/api/3.0/mlflow/traces/abc",
      "/ajax-api/2.0/mlflow/runs/search",
      "/v1/traces",
      "/api/packages/search?q=numpy",
      "/api/users/alice/servers/default/packages",
      "/serving-endpoints/churn/invocations",
      "/api/2.0/serving-endpoints",
    ]) {
      expect(refusal(url, auth), url).toBeNull();
    }
  });

  it("refuses sign-in, pages, the workspace proxy and WebSocket paths whatever the request carries", () => {
    const auth = { authorization: "Bearer atr_x", cookie: "authjs.session-token=x" };
    for (const url of [
      "/api/auth/signin",
      "/api/auth/callback/credentials",
      "/api/auth",
      "/signin",
      "/",
      "/experiments",
      "/user/alice/default/lab",
    ]) {
      expect(refusal(url, auth), url).toMatchObject({ status: 404, error: "not_found" });
    }
  });

  it("asks for a token everywhere but the health checks", () => {
    expect(refusal("/api/2.0/mlflow/experiments/search", { cookie: "authjs.session-token=x" })).toMatchObject({
      status: 401,
      error: "unauthorized",
      message: expect.stringContaining("MLFLOW_TRACKING_TOKEN") as unknown,
    });
    for (const url of ["/api/health", "/health", "/version"]) expect(refusal(url), url).toBeNull();
  });
});

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("starting the workspace listener", () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    setWorkspaceListenerState({ state: "not-needed" });
  });
  const quiet = { log: () => undefined, warn: () => undefined };
  const base = (over: Partial<WorkspaceListenerOptions>): WorkspaceListenerOptions => ({
    configured: "auto",
    listenHost: "127.0.0.1",
    portalUrlGiven: false,
    port: 1,
    gateway: () => Promise.resolve(undefined),
    handle: (_req, res) => res.end("next"),
    log: quiet,
    ...over,
  });

  it("is not needed when the main listener faces the network or the operator said how workspaces reach the portal", () => {
    stops.push(startWorkspaceListener(base({ listenHost: "0.0.0.0" })));
    expect(workspaceListenerState().state).toBe("not-needed");
    stops.push(startWorkspaceListener(base({ portalUrlGiven: true })));
    expect(workspacesCannotReach()).toBeUndefined();
  });

  it("turned off on loopback, pages say that no notebook reaches the portal and how to fix it", () => {
    stops.push(startWorkspaceListener(base({ configured: "off" })));
    expect(workspaceListenerState().state).toBe("off");
    expect(workspacesCannotReach()).toMatch(/no workspace reaches it; set ATRIUM_WORKSPACE_LISTEN_HOST/);
  });

  it("waits for the engine to name its gateway, then serves the APIs on it without the caller's cookies", async () => {
    const port = await freePort();
    let asked = 0;
    const seen: (string | undefined)[] = [];
    stops.push(
      startWorkspaceListener(
        base({
          port,
          retryMs: 20,
          gateway: () => (++asked < 3 ? Promise.reject(new Error("engine down")) : Promise.resolve("127.0.0.1")),
          handle: (req, res) => {
            seen.push(req.headers.cookie);
            res.end("next");
          },
        }),
      ),
    );
    expect(workspaceListenerState().state).toBe("waiting");
    expect(workspacesCannotReach()).toMatch(/container engine/);
    await expect.poll(() => workspaceListenerState().state, { timeout: 10_000 }).toBe("listening");
    expect(asked).toBe(3);
    const ok = await get(port, "/api/2.0/mlflow/experiments/search", { authorization: "Bearer atr_x", cookie: "authjs.session-token=x" });
    expect(ok).toEqual({ status: 200, body: "next" });
    expect(seen).toEqual([undefined]);
    const signIn = await get(port, "/api/auth/signin", { cookie: "authjs.session-token=x" });
    expect(signIn.status).toBe(404);
    expect(JSON.parse(signIn.body)).toMatchObject({ error: "not_found" });
    expect(seen).toHaveLength(1);
  });

  it("says why when the address cannot be listened on", async () => {
    stops.push(startWorkspaceListener(base({ configured: "192.0.2.1", port: await freePort() })));
    await expect.poll(() => workspaceListenerState().state, { timeout: 10_000 }).toBe("failed");
    expect(workspacesCannotReach()).toMatch(/could not listen on 192\.0\.2\.1:\d+ for workspaces \(EADDRNOTAVAIL\)/);
  });
});

describe.skipIf(notReady !== undefined && !CI)("the engine's host gateway (real engine)", () => {
  it("is the default bridge's IPv4 gateway, the address host.docker.internal stands for", async () => {
    if (notReady) throw new Error(`Docker integration tests cannot run in CI: ${notReady}`);
    const spawner = new DockerSpawner();
    const gateway = await spawner.hostGateway();
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const bridge = (await spawner.docker.getNetwork("bridge").inspect()) as { IPAM: { Config: { Gateway?: string }[] } };
    expect(bridge.IPAM.Config.map((c) => c.Gateway)).toContain(gateway);
  });
});
