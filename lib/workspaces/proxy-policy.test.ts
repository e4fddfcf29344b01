/**
 * The workspace proxy (lib/proxy with the workspace policy) against a fake upstream (header checks, errors; always runs) and against a
 * real Jupyter container started with DockerSpawner (skipped with the reason printed when the
 * engine or the image is missing, an error in CI).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// resolvePrincipal reads the config lazily, once per module graph: set the environment first.
const { env, restoreEnv } = vi.hoisted(() => {
  const values = { AUTH_SECRET: "auth-secret-for-proxy-tests-0123456789" };
  const keys = [...Object.keys(values), "ATRIUM_BOOTSTRAP_TOKEN", "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "PORT", "DATABASE_URL"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, values);
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { env: values, restoreEnv };
});
afterAll(restoreEnv);

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { encode } from "next-auth/jwt";
import type { Db, DbHandle } from "@/db/client";
import { upsertServer } from "@/db/queries/servers";
import { granteesOf } from "@/db/queries/shares";
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { startSession } from "@/lib/auth/sessions";
import { DockerSpawner, legacyVolumeName } from "@/lib/spawner";
import { engineReadiness, TEST_IMAGE, waitForJupyterApi } from "@/lib/spawner/testing";
import { workspaceRef, workspaceSpec } from "./workload";
import { revokeShares, shareServer } from "@/lib/sharing/shares";
import { createApiToken } from "@/lib/users/tokens";
import { setWorkspaceWebSocketCloser } from "@/lib/workspaces/connections";
import { authorizeWorkspace } from "@/lib/workspaces/origin-auth";
import { workspaceLabel, type WorkspaceHost } from "@/lib/workspaces/workspace-host";
import { parseWorkspacePath } from "@/lib/workspaces/paths";
import type { WorkspaceTarget } from "@/lib/workspaces/target";
import { createProxy, type Proxy } from "@/lib/proxy/proxy";
import { openWebSocket } from "@/lib/proxy/ws-test-client";
import { sendExecute, stdoutOf } from "./kernel-test-client";
import { workspaceProxyPolicy, type WorkspaceProxyDeps, type WorkspaceUpstream } from "./proxy-policy";

const CI = Boolean(process.env.CI);
/** The workspace proxy as server.ts builds it: the proxy mechanism with the workspace policy. */
const createWorkspaceProxy = (deps: WorkspaceProxyDeps): Proxy<WorkspaceUpstream> => createProxy(workspaceProxyPolicy(deps));
const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[workspaces/proxy-policy.test] real-Jupyter suite skipped: ${notReady}`);

// ---------------------------------------------------------------------------------------------
// Pure parts

describe("parseWorkspacePath", () => {
  it("accepts /user/<name>/<server>/... and the form without the trailing slash", () => {
    expect(parseWorkspacePath("/user/alice/default/")).toEqual({ user: "alice", server: "default" });
    expect(parseWorkspacePath("/user/alice/default")).toEqual({ user: "alice", server: "default" });
    expect(parseWorkspacePath("/user/a/b")).toEqual({ user: "a", server: "b" });
    expect(parseWorkspacePath("/user/a/b/c?d")).toEqual({ user: "a", server: "b" });
    expect(parseWorkspacePath("/user/a/b?x=1")).toEqual({ user: "a", server: "b" });
    expect(parseWorkspacePath("/user/j.doe_2-x/gpu-1/api/kernels/abc/channels?session_id=1")).toEqual({
      user: "j.doe_2-x",
      server: "gpu-1",
    });
    expect(parseWorkspacePath("/user/a/b/api/contents/my%20file.ipynb")).toEqual({ user: "a", server: "b" });
    expect(parseWorkspacePath("/user/a/b/files/x..y/.hidden")).toEqual({ user: "a", server: "b" });
  });

  it("refuses what is not a workspace address", () => {
    for (const bad of [
      "/user/",
      "/user",
      "/user/alice",
      "/user/alice/",
      "/user/Alice/x/",
      "/user/alice/X/",
      "/user/../x",
      "/user/../x/y/",
      "/user/./x/y/",
      "/user/.alice/x/",
      "/user/alice/_x/",
      "/user/alice/a.b/",
      "/user/alice%2Fdefault/x/",
      "/user/alice/default%2Fapi/",
      "/user/alice%2fbob/default/",
      "/user/%61lice/default/",
      "/user//alice/default/",
      "/users/alice/default/",
      "/user/alice/default/../../bob/default/api/status",
      "/user/alice/default/api/%2e%2e/%2E%2E/bob/default/",
      "/user/alice/default/api/..%2F..%2Fbob/",
      "/user/alice/default/..\\..\\bob\\default\\",
      "/user/alice/default/api/%zz",
      "http://evil/user/alice/default/",
      "",
    ]) {
      expect(parseWorkspacePath(bad), bad).toBeNull();
    }
  });
});
// ---------------------------------------------------------------------------------------------
// The proxy on a local port, a fake upstream, and (below) a real Jupyter

const run = `p${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const OWNER = `${run}o`;
const OTHER = `${run}x`;
const ADMIN = `${run}adm`;
const ECHO_TOKEN = `echo-${randomBytes(24).toString("base64url")}`;
const COOKIE = "authjs.session-token";

let handle: DbHandle | undefined;
const db = (): Db => {
  if (!handle) throw new Error("database not open");
  return handle.db;
};
const tokens: Record<string, string> = {};
let proxy: Proxy<WorkspaceUpstream> | undefined;
let proxyServer: Server | undefined;
let echoServer: Server | undefined;
let proxyBase = "";
const targets = new Map<string, WorkspaceTarget>();
/** The fake targets, with whom the server is shared read from the database as the real target cache does. */
const fakeTarget = async (d: Db, user: string, server: string): Promise<WorkspaceTarget | null> => {
  const t = targets.get(`${user}/${server}`);
  return t ? { ...t, sharedWith: await granteesOf(d, { user, server }) } : null;
};
/** The owner's id, which the running targets carry (lib/workspaces/target-cache.ts). */
let ownerId = "";
const activity: string[] = [];
const unreachable: string[] = [];
const echoHits: string[] = [];

const connections = new WeakMap<Server, Set<Socket>>();

function listen(server: Server): Promise<number> {
  const open = new Set<Socket>();
  connections.set(server, open);
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Closes a server and every connection it still has, upgraded ones included. */
function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  for (const socket of connections.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A cookie as sign-in makes it: a live session row of the person, named in the JWT. */
async function sessionCookie(name: string): Promise<string> {
  const user = await findUser(db(), name);
  if (!user) throw new Error(`no user ${name}`);
  const claims: Record<string, unknown> = {};
  await startSession(db(), user, claims);
  const jwt = await encode({ token: claims, secret: env.AUTH_SECRET, salt: COOKIE });
  return `${COOKIE}=${jwt}`;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const plainAgent = new Agent({ keepAlive: false });

/** One request through http.request (exact headers, no automatic decompression or redirects). */
function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; base?: string; agent?: Agent } = {},
): Promise<Reply> {
  // The path is sent exactly as given (new URL() would resolve "..", which some tests send on purpose).
  const u = new URL(opts.base ?? proxyBase);
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        agent: opts.agent ?? plainAgent,
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer for ${path}`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

const json = (r: Reply): unknown => JSON.parse(r.body);
const bearer = (user: string) => ({ Authorization: `Bearer ${tokens[user] ?? "missing"}` });

function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const head =
    payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** Echoes what it received as JSON; some paths misbehave on purpose (token in headers and pages). */
function startEcho(): Server {
  const server = createServer((req, res) => {
    echoHits.push(req.url ?? "");
    const url = req.url ?? "";
    if (url.endsWith("/page")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      const page = `<html><body data-jupyter-api-token="${ECHO_TOKEN}"><a href="tree?token=${encodeURIComponent(ECHO_TOKEN)}">home</a>${ECHO_TOKEN}</body></html>`;
      // Written in small pieces so the token straddles chunk boundaries.
      let i = 0;
      const tick = () => {
        if (i >= page.length) return res.end();
        res.write(page.slice(i, i + 7));
        i += 7;
        setImmediate(tick);
      };
      tick();
      return;
    }
    if (url.endsWith("/gz")) {
      const body = gzipSync(`<html><body>${ECHO_TOKEN} gzipped</body></html>`);
      res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip", "content-length": body.length });
      res.end(body);
      return;
    }
    if (url.endsWith("/leaky-headers")) {
      res.setHeader("x-leak", `token ${ECHO_TOKEN}`);
      res.setHeader("location", `/user/x/default/tree?token=${ECHO_TOKEN}`);
      // A nameless cookie is sent back as its bare value, here "authjs.session-token=forged".
      res.setHeader("set-cookie", [
        `${COOKIE}=forged; Path=/`,
        "__Secure-authjs.callback-url=x; Path=/; Secure",
        `=${COOKIE}=forged; Path=/`,
        ` =${COOKIE}=x`,
        "jupyter-ok=1; Path=/",
      ]);
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  server.on("upgrade", (req, socket) => {
    echoHits.push(`ws:${req.url ?? ""}`);
    if ((req.url ?? "").includes("/nows")) {
      const body = `<html><body data-jupyter-api-token="${ECHO_TOKEN}">not found</body></html>`;
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    const key = String(req.headers["sec-websocket-key"] ?? "");
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Leak: ${ECHO_TOKEN}\r\n\r\n`,
    );
    socket.write(wsFrame(JSON.stringify({ headers: req.headers })));
    socket.on("error", () => undefined);
  });
  return server;
}

beforeAll(async () => {
  handle = await openTestDatabase("pglite");
  const actor: Principal = { name: "test", role: "admin", admin: true, via: "bootstrap" };
  for (const [name, role] of [
    [OWNER, "user"],
    [OTHER, "user"],
    [ADMIN, "admin"],
  ] as const) {
    await insertUser(db(), { name, role, roleSource: "default" });
    // An admin's token opens other people's workspaces only with the admin scope (lib/auth/scopes.ts).
    tokens[name] = (
      await createApiToken(db(), actor, name, { note: "proxy test", scopes: role === "admin" ? ["admin"] : ["account"] })
    ).token;
  }
  ownerId = (await findUser(db(), OWNER))?.id ?? "";
  tokens.mlflowOnly = (await createApiToken(db(), actor, OWNER, { scopes: ["mlflow"] })).token;
  tokens.adminPlain = (await createApiToken(db(), actor, ADMIN, { scopes: ["account"] })).token;

  echoServer = startEcho();
  const echoPort = await listen(echoServer);
  targets.set(`${OWNER}/echo`, {
    url: `http://127.0.0.1:${echoPort}`,
    token: ECHO_TOKEN,
    ownerId,
    sharedWith: { userIds: [], groups: [] },
  });
  // A port nobody listens on: bind one, then let it go.
  const gone = createServer();
  const gonePort = await listen(gone);
  await close(gone);
  targets.set(`${OWNER}/down`, {
    url: `http://127.0.0.1:${gonePort}`,
    token: "down-token-0123456789",
    ownerId,
    sharedWith: { userIds: [], groups: [] },
  });

  // The echo server's row, so it can be shared (lib/sharing/).
  await upsertServer(
    db(),
    await serverRowFixture(db(), OWNER, "echo", { url: targets.get(`${OWNER}/echo`)?.url ?? null, jupyterToken: ECHO_TOKEN }),
  );
  proxy = createWorkspaceProxy({
    getDb: () => Promise.resolve(db()),
    resolveTarget: fakeTarget,
    onActivity: (user, server) => activity.push(`${user}/${server}`),
    activityIntervalMs: 50,
    onUnreachable: (user, server) => unreachable.push(`${user}/${server}`),
  });
  const p = proxy;
  proxyServer = createServer((req, res) => void p.handleRequest(req, res));
  proxyServer.on("upgrade", (req, socket, head) => void p.handleUpgrade(req, socket, head));
  proxyBase = `http://127.0.0.1:${await listen(proxyServer)}`;
});

afterAll(async () => {
  proxy?.close();
  await close(proxyServer);
  await close(echoServer);
  await handle?.close();
});

describe("workspace proxy: who may pass (fake upstream)", () => {
  const echo = () => `/user/${OWNER}/echo/api/echo`;

  it("forwards the owner (Bearer and token forms) and an admin, not another user", async () => {
    const owner = await call(echo(), { headers: bearer(OWNER) });
    expect(owner.status).toBe(200);
    expect(json(owner)).toMatchObject({ url: echo() });
    const tokenForm = await call(echo(), { headers: { Authorization: `token ${tokens[OWNER]}` } });
    expect(tokenForm.status).toBe(200);
    expect((await call(echo(), { headers: bearer(ADMIN) })).status).toBe(200);

    const hits = echoHits.length;
    const other = await call(echo(), { headers: bearer(OTHER) });
    expect(other.status).toBe(403);
    expect(other.headers["content-type"]).toMatch(/^application\/json/);
    expect(json(other)).toEqual({ error: "forbidden", message: `Only ${OWNER} or an admin may open this workspace.` });
    // POST with a body, a session cookie, a WebSocket: none of it reaches the workspace either.
    expect(
      (await call(echo(), { method: "POST", headers: { ...bearer(OTHER), "content-type": "text/plain" }, body: "rm -rf" })).status,
    ).toBe(403);
    expect((await call(echo(), { method: "POST", headers: { Cookie: await sessionCookie(OTHER) }, body: "x" })).status).toBe(403);
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, bearer(OTHER));
    expect(ws.status).toBe(403);
    expect(echoHits.length).toBe(hits);
  });

  it("refuses a token without workspaces:access, and an admin's token without the admin scope", async () => {
    const hits = echoHits.length;
    const scoped = await call(echo(), { headers: bearer("mlflowOnly") });
    expect(scoped.status).toBe(403);
    expect(json(scoped)).toEqual({ error: "insufficient_scope", message: 'This token lacks the "workspaces:access" scope this needs.' });
    expect((await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, bearer("mlflowOnly"))).status).toBe(403);
    expect(json(await call(echo(), { headers: bearer("adminPlain") }))).toEqual({
      error: "forbidden",
      message: `Only ${OWNER} or an admin may open this workspace.`,
    });
    expect(echoHits.length).toBe(hits);
  });

  it("answers the anonymous with 401 JSON, browsers with a redirect to sign in", async () => {
    const anon = await call(echo());
    expect(anon.status).toBe(401);
    expect(json(anon)).toEqual({ error: "unauthorized", message: "Sign in or send a valid API token." });
    const page = `/user/${OWNER}/echo/tree?a=1&b=2`;
    const browser = await call(page, { headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe(`/signin?callbackUrl=${encodeURIComponent(page)}`);
    // A POST accepting HTML still gets JSON; a bad token is not silently anonymous-with-cookie.
    expect((await call(echo(), { method: "POST", headers: { Accept: "text/html" } })).status).toBe(401);
    expect(
      (await call(echo(), { headers: { Authorization: "Bearer atr_not-a-real-token", Cookie: await sessionCookie(OWNER) } })).status,
    ).toBe(401);
    expect((await call(echo(), { headers: { Authorization: `token ${ECHO_TOKEN}` } })).status).toBe(401);
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, {});
    expect(ws.status).toBe(401);
    if (!ws.upgraded) expect(JSON.parse(ws.body)).toMatchObject({ error: "unauthorized" });
  });

  it("signs in by the session cookie and refuses cross-site unsafe requests and WebSockets", async () => {
    const cookie = await sessionCookie(OWNER);
    expect((await call(echo(), { headers: { Cookie: cookie } })).status).toBe(200);
    const host = new URL(proxyBase).host;
    expect((await call(echo(), { method: "POST", headers: { Cookie: cookie, Origin: `http://${host}` }, body: "{}" })).status).toBe(200);
    const evil = await call(echo(), { method: "POST", headers: { Cookie: cookie, Origin: "http://evil.example" }, body: "{}" });
    expect(evil.status).toBe(403);
    expect(json(evil)).toEqual({ error: "forbidden", message: "Cross-site requests to a workspace are not allowed." });
    // A cross-site GET is a navigation; it may pass. An API token is never sent by a browser on its own.
    expect((await call(echo(), { headers: { Cookie: cookie, Origin: "http://evil.example" } })).status).toBe(200);
    expect((await call(echo(), { method: "POST", headers: { ...bearer(OWNER), Origin: "http://evil.example" }, body: "{}" })).status).toBe(
      200,
    );
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, { Cookie: cookie, Origin: "http://evil.example" });
    expect(ws.status).toBe(403);
    const same = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, { Cookie: cookie, Origin: `http://${host}` });
    expect(same.status).toBe(101);
    if (same.upgraded) same.ws.close();
  });
});

describe("workspace proxy: the principal cache (fake upstream)", () => {
  const echo = () => `/user/${OWNER}/echo/api/echo`;
  // Authorization headers that are not a credential: resolvePrincipal falls back to the cookie.
  const notCredentials = ["Basic Zm9vOmJhcg==", "Digest username=x", "Bearer two words", "Bearer"];

  it("never hands a cached identity to a request that only repeats a non-credential Authorization header", async () => {
    const cookie = await sessionCookie(OWNER);
    for (const authorization of notCredentials) {
      const signedIn = await call(echo(), { headers: { Authorization: authorization, Cookie: cookie } });
      expect(signedIn.status, authorization).toBe(200);
      const anonymous = await call(echo(), { headers: { Authorization: authorization } });
      expect(anonymous.status, `anonymous with ${authorization}`).toBe(401);
      // Another person with the same header is herself, not the one cached before.
      const other = await call(echo(), { headers: { Authorization: authorization, Cookie: await sessionCookie(OTHER) } });
      expect(other.status, `${OTHER} with ${authorization}`).toBe(403);
    }
  });

  it("does the same for kernel WebSockets", async () => {
    const host = new URL(proxyBase).host;
    const authorization = "Basic d3M6Y2FjaGU=";
    const owner = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, {
      Authorization: authorization,
      Cookie: await sessionCookie(OWNER),
      Origin: `http://${host}`,
    });
    expect(owner.status).toBe(101);
    if (owner.upgraded) owner.ws.close();
    const anonymous = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, { Authorization: authorization, Origin: `http://${host}` });
    expect(anonymous.status).toBe(401);
    if (anonymous.upgraded) anonymous.ws.close();
  });

  it("keys session callers by the session cookie alone, not by other cookies beside it", async () => {
    const cookie = await sessionCookie(OWNER);
    expect((await call(echo(), { headers: { Cookie: `authjs.csrf-token=abc; ${cookie}` } })).status).toBe(200);
    expect((await call(echo(), { headers: { Cookie: "authjs.csrf-token=abc" } })).status).toBe(401);
    expect((await call(echo(), { headers: { Cookie: `=${cookie.split("=")[0]}` } })).status).toBe(401);
  });
});

describe("workspace proxy: what the workspace and the caller see (fake upstream)", () => {
  it("forwards the full path with the workspace token instead of the caller's credentials", async () => {
    const cookie = `_xsrf=2|abc; ${await sessionCookie(OWNER)}; __Secure-authjs.callback-url=http%3A%2F%2Fx; theme=dark`;
    const path = `/user/${OWNER}/echo/api/contents/a%20b.ipynb?content=1`;
    const r = await call(path, {
      method: "PUT",
      headers: { ...bearer(OWNER), Cookie: cookie, "Content-Type": "application/json", "Proxy-Authorization": "Basic eDp5" },
      body: '{"x":1}',
    });
    expect(r.status).toBe(200);
    const seen = json(r) as { method: string; url: string; headers: IncomingHttpHeaders; body: string };
    expect(seen.method).toBe("PUT");
    expect(seen.url).toBe(path);
    expect(seen.body).toBe('{"x":1}');
    expect(seen.headers.authorization).toBe(`token ${ECHO_TOKEN}`);
    expect(seen.headers.cookie).toBe("_xsrf=2|abc; theme=dark");
    expect(seen.headers["proxy-authorization"]).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(tokens[OWNER]);
    expect(JSON.stringify(seen.headers)).not.toContain("authjs");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-forwarded-host"]).toBe(new URL(proxyBase).host);

    // Only the portal cookie: the header goes altogether.
    const onlyPortal = json(await call(`/user/${OWNER}/echo/x`, { headers: { Cookie: await sessionCookie(OWNER) } })) as {
      headers: IncomingHttpHeaders;
    };
    expect(onlyPortal.headers.cookie).toBeUndefined();
    expect(onlyPortal.headers.authorization).toBe(`token ${ECHO_TOKEN}`);
    expect(activity).toContain(`${OWNER}/echo`);
  });

  it("forwards WebSockets with the same header rewrite and no token in the 101", async () => {
    const cookie = `${await sessionCookie(OWNER)}; _xsrf=k`;
    const host = new URL(proxyBase).host;
    const r = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/api/kernels/k/channels?session_id=s`, {
      Cookie: cookie,
      Origin: `http://${host}`,
    });
    expect(r.status).toBe(101);
    if (!r.upgraded) return;
    expect(JSON.stringify(r.headers)).not.toContain(ECHO_TOKEN);
    expect(r.headers["x-leak"]).toBeUndefined();
    const first = JSON.parse((await r.ws.next(5_000)) ?? "{}") as { headers: IncomingHttpHeaders };
    expect(first.headers.authorization).toBe(`token ${ECHO_TOKEN}`);
    expect(first.headers.cookie).toBe("_xsrf=k");
    r.ws.close();
  });

  it("relays a refused upgrade without the workspace's page", async () => {
    const r = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/nows`, bearer(OWNER));
    expect(r.status).toBe(404);
    if (r.upgraded) return;
    expect(r.body).not.toContain(ECHO_TOKEN);
    expect(JSON.parse(r.body)).toEqual({
      error: "upgrade_refused",
      message: "The workspace answered HTTP 404 instead of opening the WebSocket.",
    });
  });

  it("removes the token from HTML pages (also gzipped) and from response headers", async () => {
    const page = await call(`/user/${OWNER}/echo/page`, { headers: bearer(OWNER) });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<html><body data-jupyter-api-token=""><a href="tree?token=">home</a></body></html>');
    const gz = await call(`/user/${OWNER}/echo/gz`, { headers: { ...bearer(OWNER), "Accept-Encoding": "gzip" } });
    expect(gz.status).toBe(200);
    expect(gz.headers["content-encoding"]).toBeUndefined();
    expect(gz.body).toBe("<html><body> gzipped</body></html>");
    const leaky = await call(`/user/${OWNER}/echo/leaky-headers`, { headers: bearer(OWNER) });
    expect(leaky.status).toBe(200);
    expect(JSON.stringify(leaky.headers)).not.toContain(ECHO_TOKEN);
    expect(leaky.headers["x-leak"]).toBeUndefined();
    expect(leaky.headers.location).toBeUndefined();
    // A workspace cannot set the portal's cookies; its own pass.
    expect(leaky.headers["set-cookie"]).toEqual(["jupyter-ok=1; Path=/"]);
  });

  it("redirects the bare server address to the one with a slash", async () => {
    const r = await call(`/user/${OWNER}/echo?x=1`, { headers: bearer(OWNER) });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`/user/${OWNER}/echo/?x=1`);
    const notOurs = await call(`/user/Alice/x/`, { headers: bearer(OWNER) });
    expect(notOurs.status).toBe(404);
    expect(json(notOurs)).toMatchObject({ error: "not_found" });
    expect((await call(`/user/${OWNER}/echo/../../${OTHER}/echo/`, { headers: bearer(OWNER) })).status).toBe(404);
  });

  it("sends browsers to the server page when it is not running, others get 503", async () => {
    const html = await call(`/user/${OWNER}/stopped/tree`, { headers: { ...bearer(OWNER), Accept: "text/html" } });
    expect(html.status).toBe(302);
    expect(html.headers.location).toBe(`/servers/${OWNER}/stopped`);
    const api = await call(`/user/${OWNER}/stopped/api/status`, { headers: bearer(OWNER) });
    expect(api.status).toBe(503);
    expect(json(api)).toEqual({ error: "server_not_running", message: `The server ${OWNER}/stopped is not running; start it first.` });
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/stopped/api/kernels/k/channels`, bearer(OWNER));
    expect(ws.status).toBe(503);
    // Another person learns nothing about whether it runs.
    expect((await call(`/user/${OWNER}/stopped/api/status`, { headers: bearer(OTHER) })).status).toBe(403);
  });

  it("answers 502 when the workspace is down, and keeps serving", async () => {
    unreachable.length = 0;
    const r = await call(`/user/${OWNER}/down/api/status`, { headers: bearer(OWNER) });
    // The portal is told, so it checks that server against the engine now (reconcileServer), once per 2 s however many fail.
    expect(unreachable).toEqual([`${OWNER}/down`]);
    expect((await call(`/user/${OWNER}/down/api/status`, { headers: bearer(OWNER) })).status).toBe(502);
    expect(unreachable).toEqual([`${OWNER}/down`]);
    expect(r.status).toBe(502);
    expect(json(r)).toEqual({ error: "bad_gateway", message: "The workspace did not answer; it may be starting or may have stopped." });
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/down/api/kernels/k/channels`, bearer(OWNER));
    expect(ws.status).toBe(502);
    const html = await call(`/user/${OWNER}/down/tree`, { headers: { ...bearer(OWNER), Accept: "text/html" } });
    expect(html.status).toBe(502);
    expect(html.body).not.toContain("down-token");
    expect((await call(`/user/${OWNER}/echo/still-alive`, { headers: bearer(OWNER) })).status).toBe(200);
    expect(unreachable).toEqual([`${OWNER}/down`]);
  });
});

// ---------------------------------------------------------------------------------------------
// Admins on the portal's origin, and workspaces on their own origin (docs/workspace-origin.md)

/** Another proxy over the same upstreams with other settings; the principal cache off so every check is fresh. */
async function extraProxy(
  extra: Partial<WorkspaceProxyDeps>,
): Promise<{ base: string; port: number; proxy: Proxy<WorkspaceUpstream>; stop(): Promise<void> }> {
  const p = createWorkspaceProxy({
    getDb: () => Promise.resolve(db()),
    resolveTarget: fakeTarget,
    principalCacheMs: 0,
    ...extra,
  });
  const server = createServer((req, res) => void p.handleRequest(req, res));
  server.on("upgrade", (req, socket, head) => void p.handleUpgrade(req, socket, head));
  const port = await listen(server);
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    proxy: p,
    stop: async () => {
      p.close();
      await close(server);
    },
  };
}

describe("workspace proxy: admins and other people's workspaces on the portal's origin", () => {
  const echo = () => `/user/${OWNER}/echo/api/echo`;

  it("refuses an admin signed in by cookie (a script in the workspace would act as the admin), with a page saying why", async () => {
    const cookie = await sessionCookie(ADMIN);
    const hits = echoHits.length;
    const api = await call(echo(), { headers: { Cookie: cookie } });
    expect(api.status).toBe(403);
    expect(json(api)).toMatchObject({ error: "admin_access_disabled" });
    const page = await call(`/user/${OWNER}/echo/tree`, { headers: { Cookie: cookie, Accept: "text/html" } });
    expect(page.status).toBe(403);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("Admins cannot open other people&#39;s workspaces here");
    expect(page.body).toContain("<code>ATRIUM_WORKSPACE_HOST</code>");
    const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, { Cookie: cookie, Origin: proxyBase });
    expect(ws.status).toBe(403);
    expect(echoHits.length).toBe(hits);
    // Their own workspace, and API tokens (no script can attach one), are not affected.
    expect((await call(echo(), { headers: bearer(ADMIN) })).status).toBe(200);
  });

  it("refuses a person it is shared with by cookie on the portal's origin, even with ATRIUM_ADMIN_ACCESS; her API token passes", async () => {
    const owner: Principal = { name: OWNER, userId: ownerId, role: "user", admin: false, via: "session" };
    const ref = { user: OWNER, server: "echo" };
    await shareServer(db(), owner, ref, { user: OTHER });
    try {
      const cookie = await sessionCookie(OTHER);
      const hits = echoHits.length;
      const api = await call(echo(), { headers: { Cookie: cookie } });
      expect(api.status).toBe(403);
      expect(json(api)).toMatchObject({ error: "workspace_host_required" });
      const ws = await openWebSocket(`${proxyBase}/user/${OWNER}/echo/ws`, { Cookie: cookie, Origin: proxyBase });
      expect(ws.status).toBe(403);
      const open = await extraProxy({ adminAccess: true });
      try {
        expect((await call(echo(), { base: open.base, headers: { Cookie: cookie } })).status).toBe(403);
      } finally {
        await open.stop();
      }
      expect(echoHits.length).toBe(hits);
      expect((await call(echo(), { headers: bearer(OTHER) })).status).toBe(200);
    } finally {
      await revokeShares(db(), owner, ref);
    }
    expect((await call(echo(), { headers: bearer(OTHER) })).status).toBe(403);
  });

  it("lets the admin's cookie in with ATRIUM_ADMIN_ACCESS=true", async () => {
    const open = await extraProxy({ adminAccess: true });
    try {
      expect((await call(echo(), { base: open.base, headers: { Cookie: await sessionCookie(ADMIN) } })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});

describe("workspace proxy: workspaces on their own origin (fake upstream)", () => {
  const wsHost: WorkspaceHost = { domain: "ws.test", port: undefined, scheme: "http" };
  const PORTAL = "http://portal.test";
  const echoRef = () => ({ user: OWNER, server: "echo" });
  const hostOf = (user: string, server: string) => `${workspaceLabel(user, server)}.${wsHost.domain}`;
  const originOf = (user: string, server: string) => `http://${hostOf(user, server)}`;
  let ws: Awaited<ReturnType<typeof extraProxy>>;
  beforeAll(async () => {
    ws = await extraProxy({ workspaceHost: wsHost, publicOrigin: PORTAL });
  });
  afterAll(() => ws.stop());

  const onWs = (path: string, headers: Record<string, string> = {}, more: { method?: string; body?: string } = {}) =>
    call(path, { base: ws.base, headers: { Host: hostOf(OWNER, "echo"), ...headers }, ...more });

  /** The whole handshake, as the browser would do it; returns the workspace cookie. */
  async function signIn(principal: Principal, next = `/user/${OWNER}/echo/tree`): Promise<string> {
    const start = await onWs(next, { Accept: "text/html" });
    expect(start.status).toBe(302);
    const authorize = new URL(String(start.headers.location));
    const state = authorize.searchParams.get("state") ?? "";
    const stateCookie = (start.headers["set-cookie"] ?? []).find((c) => c.startsWith("atrium-workspace-state="));
    expect(stateCookie).toBe(
      `atrium-workspace-state=${state}; Path=/user/${OWNER}/echo/_atrium/auth-callback; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
    const back = new URL(
      await authorizeWorkspace(db(), principal, echoRef(), { state, next: authorize.searchParams.get("next") ?? "" }, wsHost),
    );
    expect(back.origin).toBe(originOf(OWNER, "echo"));
    const done = await onWs(`${back.pathname}${back.search}`, { Cookie: `atrium-workspace-state=${state}` });
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe(next);
    const set = (done.headers["set-cookie"] ?? []).find((c) => c.startsWith("atrium-workspace="));
    expect(set).toMatch(
      new RegExp(`^atrium-workspace=[A-Za-z0-9_-]{43}; Path=/user/${OWNER}/echo/; HttpOnly; SameSite=Lax; Max-Age=43200$`),
    );
    return (set ?? "").split(";")[0] ?? "";
  }

  it("on the portal's host, sends /user/... to the workspace origin and serves nothing there", async () => {
    const r = await call(`${echo()}?x=1`, { base: ws.base, headers: { Host: "portal.test", ...bearer(OWNER) } });
    expect(r.status).toBe(307);
    expect(r.headers.location).toBe(`${originOf(OWNER, "echo")}${echo()}?x=1`);
    const upgrade = await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { Host: "portal.test", ...bearer(OWNER) });
    expect(upgrade.status).toBe(404);
    function echo() {
      return `/user/${OWNER}/echo/api/echo`;
    }
  });

  it("serves one server per label: another server's path, the bare domain and portal paths are refused", async () => {
    const hits = echoHits.length;
    expect((await onWs(`/user/${OTHER}/echo/api/echo`, bearer(OTHER))).status).toBe(404);
    expect((await call(`/user/${OWNER}/echo/api/echo`, { base: ws.base, headers: { Host: "ws.test", ...bearer(OWNER) } })).status).toBe(
      404,
    );
    expect(
      (await call(`/user/${OWNER}/echo/api/echo`, { base: ws.base, headers: { Host: `x.${hostOf(OWNER, "echo")}`, ...bearer(OWNER) } }))
        .status,
    ).toBe(404);
    for (const path of ["/api/me", `/api/users/${OWNER}`, "/", "/signin"]) expect((await onWs(path, bearer(OWNER))).status, path).toBe(404);
    expect(echoHits.length).toBe(hits);
    // An API token works here as on the portal.
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, bearer(OWNER))).status).toBe(200);
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, bearer(OTHER))).status).toBe(403);
  });

  it("never takes the portal's session cookie as a credential on a workspace origin", async () => {
    const cookie = await sessionCookie(OWNER);
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, { Cookie: cookie })).status).toBe(401);
    const page = await onWs(`/user/${OWNER}/echo/tree`, { Cookie: cookie, Accept: "text/html" });
    expect(page.status).toBe(302);
    expect(String(page.headers.location)).toMatch(
      new RegExp(`^${PORTAL}/api/users/${OWNER}/servers/echo/authorize\\?state=[A-Za-z0-9_-]{32}&next=%2Fuser%2F${OWNER}%2Fecho%2Ftree$`),
    );
  });

  it("signs in through the portal's code once; the cookie opens this server only and never reaches the workspace", async () => {
    const owner: Principal = { name: OWNER, userId: ownerId, role: "user", admin: false, via: "session" };
    const cookie = await signIn(owner);
    const r = await onWs(`/user/${OWNER}/echo/api/echo`, { Cookie: `${cookie}; _xsrf=k` });
    expect(r.status).toBe(200);
    expect((json(r) as { headers: IncomingHttpHeaders }).headers.cookie).toBe("_xsrf=k");
    // A cookie of the same name tossed by a sibling workspace (Domain=ws.test) does not lock the owner out.
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, { Cookie: `atrium-workspace=tossed; ${cookie}` })).status).toBe(200);
    // Another server of the same person (its own label): not with this cookie.
    expect(
      (await call(`/user/${OWNER}/down/api/status`, { base: ws.base, headers: { Host: hostOf(OWNER, "down"), Cookie: cookie } })).status,
    ).toBe(401);

    // A code is single-use.
    const state = "s".repeat(32);
    const back = new URL(await authorizeWorkspace(db(), owner, echoRef(), { state }, wsHost));
    const first = await onWs(`${back.pathname}${back.search}`, { Cookie: `atrium-workspace-state=${state}` });
    expect(first.status).toBe(302);
    const again = await onWs(`${back.pathname}${back.search}`, { Cookie: `atrium-workspace-state=${state}` });
    expect(again.status).toBe(400);
    expect(json(again)).toMatchObject({ error: "invalid_code" });
    // Without the state cookie of the browser that started it, a code is refused.
    const other = new URL(await authorizeWorkspace(db(), owner, echoRef(), { state }, wsHost));
    expect((await onWs(`${other.pathname}${other.search}`)).status).toBe(400);
    // A code for this server, taken to another server's callback.
    const stolen = new URL(await authorizeWorkspace(db(), owner, echoRef(), { state }, wsHost));
    const elsewhere = await call(`/user/${OWNER}/down/_atrium/auth-callback${stolen.search}`, {
      base: ws.base,
      headers: { Host: hostOf(OWNER, "down"), Cookie: `atrium-workspace-state=${state}` },
    });
    expect(elsewhere.status).toBe(400);
  });

  it("admits a person it is shared with through the handshake, HTTP and WebSocket; a revocation refuses her and closes her WebSocket at once", async () => {
    const owner: Principal = { name: OWNER, userId: ownerId, role: "user", admin: false, via: "session" };
    const other: Principal = { name: OTHER, userId: (await findUser(db(), OTHER))?.id, role: "user", admin: false, via: "session" };
    const echo = `/user/${OWNER}/echo/api/echo`;
    const state = "s".repeat(32);
    setWorkspaceWebSocketCloser((match) => ws.proxy.closeWebSockets(match));
    // Without a share: no code at the portal, and her token is refused here.
    await expect(authorizeWorkspace(db(), other, echoRef(), { state }, wsHost)).rejects.toMatchObject({ status: 403 });
    expect((await onWs(echo, bearer(OTHER))).status).toBe(403);

    await shareServer(db(), owner, echoRef(), { user: OTHER });
    await db().delete(auditEvents);
    const cookie = await signIn(other);
    expect((await onWs(echo, { Cookie: cookie })).status).toBe(200);
    expect(
      await db().select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target }).from(auditEvents),
    ).toEqual([{ actor: OTHER, action: "server.shared_open", target: `${OWNER}/echo` }]);
    const headers = { Host: hostOf(OWNER, "echo"), Origin: originOf(OWNER, "echo") };
    const hers = await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { ...headers, Cookie: cookie });
    const ownerCookie = await signIn(owner);
    const his = await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { ...headers, Cookie: ownerCookie });
    if (!hers.upgraded || !his.upgraded) throw new Error(`WebSockets not opened: ${hers.status} ${his.status}`);
    expect(await hers.ws.next(10_000)).toContain("headers");
    expect(await his.ws.next(10_000)).toContain("headers");

    await revokeShares(db(), owner, echoRef(), { user: OTHER });
    // Closed by the revocation itself, not at her next request.
    expect(await hers.ws.next(10_000)).toBeNull();
    expect(hers.ws.closed).toBe(true);
    expect(his.ws.closed).toBe(false);
    his.ws.close();
    const hits = echoHits.length;
    expect((await onWs(echo, { Cookie: cookie })).status).toBe(401);
    expect((await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { ...headers, Cookie: cookie })).status).toBe(401);
    expect((await onWs(echo, bearer(OTHER))).status).toBe(403);
    await expect(authorizeWorkspace(db(), other, echoRef(), { state }, wsHost)).rejects.toMatchObject({ status: 403 });
    expect(echoHits.length).toBe(hits);
  });

  it("caches callers here by the credential that authenticated too, not by a stray Authorization header", async () => {
    const owner: Principal = { name: OWNER, userId: ownerId, role: "user", admin: false, via: "session" };
    const cookie = await signIn(owner);
    const basic = "Basic Y2FjaGU6d3M=";
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, { Authorization: basic, Cookie: cookie })).status).toBe(200);
    expect((await onWs(`/user/${OWNER}/echo/api/echo`, { Authorization: basic })).status).toBe(401);
  });

  it("refuses a next that leaves the server's prefix", async () => {
    const owner: Principal = { name: OWNER, userId: ownerId, role: "user", admin: false, via: "session" };
    for (const next of ["https://evil.example/", "//evil.example/", `/user/${OTHER}/echo/`, `/user/${OWNER}/echo/../../../api/me`]) {
      await expect(authorizeWorkspace(db(), owner, echoRef(), { state: "s".repeat(32), next }, wsHost), next).rejects.toMatchObject({
        status: 400,
        code: "invalid_next",
      });
    }
  });

  it("takes unsafe requests and WebSockets from this workspace's own origin only", async () => {
    const admin: Principal = { name: ADMIN, userId: (await findUser(db(), ADMIN))?.id, role: "admin", admin: true, via: "session" };
    const cookie = await signIn(admin);
    const own = originOf(OWNER, "echo");
    const sibling = originOf(OTHER, "echo");
    const echo = `/user/${OWNER}/echo/api/echo`;
    expect((await onWs(echo, { Cookie: cookie, Origin: own }, { method: "POST", body: "{}" })).status).toBe(200);
    expect((await onWs(echo, { Cookie: cookie, Origin: sibling }, { method: "POST", body: "{}" })).status).toBe(403);
    expect((await onWs(echo, { Cookie: cookie, Origin: PORTAL }, { method: "POST", body: "{}" })).status).toBe(403);
    expect((await onWs(echo, { Cookie: cookie, "Sec-Fetch-Site": "same-site" }, { method: "POST", body: "{}" })).status).toBe(403);
    // A navigation from elsewhere (a link) is fine.
    expect((await onWs(echo, { Cookie: cookie, "Sec-Fetch-Site": "cross-site" })).status).toBe(200);
    const headers = { Host: hostOf(OWNER, "echo"), Cookie: cookie };
    const good = await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { ...headers, Origin: own });
    expect(good.status).toBe(101);
    if (good.upgraded) good.ws.close();
    expect((await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { ...headers, Origin: sibling })).status).toBe(403);
    expect((await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, headers)).status).toBe(403);
    // A token client without Origin is not a browser.
    const token = await openWebSocket(`${ws.base}/user/${OWNER}/echo/ws`, { Host: hostOf(OWNER, "echo"), ...bearer(OWNER) });
    expect(token.status).toBe(101);
    if (token.upgraded) token.ws.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Real Jupyter

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

describe.skipIf(notReady !== undefined && !CI)("workspace proxy: real Jupyter", () => {
  const spawner = new DockerSpawner();
  const ref = { user: OWNER, server: "default" };
  const baseUrl = `/user/${OWNER}/default/`;
  const jupyterToken = randomBytes(24).toString("base64url");
  let direct = "";

  beforeAll(async () => {
    if (notReady) throw new Error(`The workspace proxy tests need Docker in CI: ${notReady}`);
    const started = await spawner.start(
      workspaceSpec({
        ...ref,
        ownerId: `id-${OWNER}`,
        homeVolume: legacyVolumeName(OWNER),
        environment: { id: "test-env", image: TEST_IMAGE },
        cpu: 1,
        memGb: 1,
        token: jupyterToken,
        env: {},
      }),
    );
    direct = started.url ?? "";
    await waitForJupyterApi(direct, baseUrl, jupyterToken);
    targets.set(`${OWNER}/default`, { url: direct, token: jupyterToken, ownerId, sharedWith: { userIds: [], groups: [] } });
  }, 60_000);

  afterAll(async () => {
    await spawner.remove(workspaceRef(ref)).catch(() => undefined);
    await spawner.removeVolume?.(OWNER).catch(() => undefined);
  }, 60_000);

  it("answers api/status for the owner (Bearer and token) and an admin, 403 for another user", async () => {
    for (const headers of [bearer(OWNER), { Authorization: `token ${tokens[OWNER]}` }, bearer(ADMIN)]) {
      const r = await call(`${baseUrl}api/status`, { headers });
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/json/);
      expect(json(r)).toHaveProperty("started");
    }
    const other = await call(`${baseUrl}api/status`, { headers: bearer(OTHER) });
    expect(other.status).toBe(403);
    expect(json(other)).toEqual({ error: "forbidden", message: `Only ${OWNER} or an admin may open this workspace.` });
    expect((await call(`${baseUrl}api/status`)).status).toBe(401);
  });

  it("never shows the workspace token: Jupyter's pages embed it, the proxy removes it", async () => {
    // Jupyter itself puts the token into the page (data-jupyter-api-token, ?token= links).
    const raw = await call(`${baseUrl}tree`, { base: direct, headers: { Authorization: `token ${jupyterToken}`, Accept: "text/html" } });
    expect(raw.status).toBe(200);
    expect(raw.body).toContain(jupyterToken);

    for (const path of ["tree", "notebooks/nope.ipynb", "edit/nope.txt", "view/nope", "api/status", "api/kernelspecs", "logout"]) {
      const r = await call(`${baseUrl}${path}`, { headers: { ...bearer(OWNER), Accept: "text/html", Cookie: await sessionCookie(OWNER) } });
      expect(r.status, path).toBeLessThan(500);
      expect(r.body, path).not.toContain(jupyterToken);
      expect(JSON.stringify(r.headers), path).not.toContain(jupyterToken);
    }
    const tree = await call(`${baseUrl}tree`, { headers: { ...bearer(OWNER), Accept: "text/html" } });
    expect(tree.status).toBe(200);
    expect(tree.headers["content-type"]).toMatch(/text\/html/);
    expect(tree.body).toContain('data-jupyter-api-token=""');
    expect(tree.body).toContain("Jupyter");
  });

  it("runs code in a kernel over the proxied WebSocket", async () => {
    const started = await call(`${baseUrl}api/kernels`, {
      method: "POST",
      headers: { ...bearer(OWNER), "Content-Type": "application/json" },
      body: "{}",
    });
    expect(started.status).toBe(201);
    const kernel = json(started) as { id: string };
    const session = randomUUID();
    const channels = `${proxyBase}${baseUrl}api/kernels/${kernel.id}/channels?session_id=${session}`;

    // Another user never gets the 101.
    const refused = await openWebSocket(channels, bearer(OTHER));
    expect(refused.status).toBe(403);

    const opened = await openWebSocket(channels, bearer(OWNER));
    expect(opened.status).toBe(101);
    if (!opened.upgraded) return;
    const ws = opened.ws;
    // Frames count as activity too, not only the handshake (past the 50 ms throttle).
    await new Promise((r) => setTimeout(r, 60));
    const beforeFrames = activity.length;
    const msgId = sendExecute(ws, { code: "print(6*7)", username: OWNER, session });
    const text = await stdoutOf(ws, msgId);
    ws.close();
    expect(text).toBe("42\n");
    expect(activity.slice(beforeFrames)).toContain(`${OWNER}/default`);

    const del = await call(`${baseUrl}api/kernels/${kernel.id}`, { method: "DELETE", headers: bearer(OWNER) });
    expect(del.status).toBe(204);
  }, 60_000);

  it("a kernel WebSocket with a stray Authorization header is its caller's alone (the principal cache)", async () => {
    const started = await call(`${baseUrl}api/kernels`, {
      method: "POST",
      headers: { ...bearer(OWNER), "Content-Type": "application/json" },
      body: "{}",
    });
    expect(started.status).toBe(201);
    const kernel = json(started) as { id: string };
    const channels = `${proxyBase}${baseUrl}api/kernels/${kernel.id}/channels?session_id=${randomUUID()}`;
    const host = new URL(proxyBase).host;
    const stray = { Authorization: "Basic a2VybmVsOmNhY2hl", Origin: `http://${host}` };
    const owner = await openWebSocket(channels, { ...stray, Cookie: await sessionCookie(OWNER) });
    expect(owner.status).toBe(101);
    if (owner.upgraded) owner.ws.close();
    // Within the cache's 5 s: the same header alone must not open the owner's kernel.
    const anonymous = await openWebSocket(channels, stray);
    expect(anonymous.status).toBe(401);
    if (anonymous.upgraded) anonymous.ws.close();
    await call(`${baseUrl}api/kernels/${kernel.id}`, { method: "DELETE", headers: bearer(OWNER) });
  }, 60_000);

  it("adds little latency (printed, for the benchmark later)", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const time = async (base: string, headers: Record<string, string>): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 220; i++) {
        const t0 = process.hrtime.bigint();
        const r = await call(`${baseUrl}api/status`, { base, headers, agent });
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
        if (i >= 20) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return out;
    };
    const directMs = p50(await time(direct, { Authorization: `token ${jupyterToken}` }));
    const proxiedMs = p50(await time(proxyBase, bearer(OWNER)));
    agent.destroy();
    console.info(
      `[workspaces/proxy-policy.test] GET api/status p50: direct ${directMs.toFixed(2)} ms, through the proxy ${proxiedMs.toFixed(2)} ms (+${(proxiedMs - directMs).toFixed(2)} ms)`,
    );
    expect(proxiedMs).toBeGreaterThan(0);
  }, 60_000);
});
