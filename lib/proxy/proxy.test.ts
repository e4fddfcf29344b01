/**
 * The proxy mechanism is generic: a second, tiny policy (claims /test-proxy/, bearer tokens, MLflow's
 * error shape, no WebSockets, a per-exchange hook) in front of a plain Node server, with no workspace
 * code. What the workspace policy adds is tested in lib/workspaces/proxy-policy.test.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable, type Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialOf } from "@/lib/auth/credential";
import type { Principal } from "@/lib/auth/principal";
import { forwardableCookies, headerSource, isPortalCookie } from "./headers";
import { isCrossSite } from "./origin";
import type { Exchange, ProxyPolicy } from "./policy";
import { createProxy, type Proxy } from "./proxy";
import { unauthorized } from "./replies";
import { SecretScrubber } from "./scrub";
import { openWebSocket } from "./ws-test-client";

describe("proxy helpers", () => {
  it("recognises and strips only the portal's cookies", () => {
    for (const name of [
      "authjs.session-token",
      "__Secure-authjs.session-token",
      "__Host-authjs.csrf-token",
      "authjs.session-token.0",
      "next-auth.session-token",
      "__Secure-next-auth.callback-url",
    ]) {
      expect(isPortalCookie(name), name).toBe(true);
    }
    for (const name of ["_xsrf", "username-127-0-0-1-8888", "authjs", "myauthjs.x", "session"])
      expect(isPortalCookie(name), name).toBe(false);
    expect(forwardableCookies("_xsrf=abc; authjs.session-token=s3cret; other=1; __Secure-authjs.callback-url=x")).toBe(
      "_xsrf=abc; other=1",
    );
    expect(forwardableCookies("authjs.session-token=s3cret")).toBeUndefined();
    expect(forwardableCookies(undefined)).toBeUndefined();
    expect(
      forwardableCookies("atrium-workspace=w; a=1; atrium-workspace-state=s; atrium-workspace-x=y", [
        "atrium-workspace",
        "atrium-workspace-state",
      ]),
    ).toBe("a=1; atrium-workspace-x=y");
  });

  it("removes secrets split across chunk boundaries", async () => {
    const secret = "S3CRET-token-value_0123456789";
    const text = `<a href="tree?token=${secret}">x</a><body data-jupyter-api-token="${secret}">${secret}${secret}end`;
    for (const size of [1, 2, 5, 7, secret.length - 1, secret.length, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
      const out: Buffer[] = [];
      for await (const c of Readable.from(chunks).pipe(new SecretScrubber([secret]))) out.push(c as Buffer);
      expect(Buffer.concat(out).toString(), `chunk size ${size}`).toBe('<a href="tree?token=">x</a><body data-jupyter-api-token="">end');
    }
  });

  it("tells cross-site requests from same-origin ones", () => {
    const h = (extra: IncomingHttpHeaders): IncomingHttpHeaders => ({ host: "portal.example:3000", ...extra });
    expect(isCrossSite(h({ origin: "http://portal.example:3000" }))).toBe(false);
    expect(isCrossSite(h({ "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(isCrossSite(h({ origin: "http://evil.example" }))).toBe(true);
    expect(isCrossSite(h({ origin: "null" }))).toBe(true);
    expect(isCrossSite(h({ "sec-fetch-site": "cross-site" }))).toBe(true);
    expect(isCrossSite(h({ origin: "https://atrium.example.com" }), "https://atrium.example.com")).toBe(false);
    // Another port of the same host is the same site, not the same origin; X-Forwarded-Host is the client's word.
    expect(isCrossSite(h({ origin: "http://portal.example:9999", "sec-fetch-site": "same-site" }))).toBe(true);
    expect(isCrossSite(h({ origin: "http://portal.example:9999" }))).toBe(true);
    expect(isCrossSite(h({ origin: "https://evil.example", "x-forwarded-host": "evil.example" }))).toBe(true);
    // A cookie-borne state change or handshake that says nowhere where it comes from.
    expect(isCrossSite(h({}))).toBe(true);
  });
});

describe("lib/proxy", () => {
  it("imports no domain: only Node, http-proxy-3, itself, and lib/auth, lib/http, lib/metrics", () => {
    const dir = path.join(process.cwd(), "lib", "proxy");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const source = readFileSync(path.join(dir, file), "utf8");
      for (const [, spec] of source.matchAll(/^import [^;]*? from "([^"]+)";/gms)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^(node:|http-proxy-3$|\.\/|@\/lib\/(auth|http|metrics)\/)/);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A second policy on a local port, in front of a plain HTTP server that wants its own bearer token

const CALLER_TOKEN = `caller-${randomBytes(16).toString("hex")}`;
/** Used by one test only, so its first lookup is not cached yet. */
const SECOND_TOKEN = `second-${randomBytes(16).toString("hex")}`;
const UPSTREAM_SECRET = `upstream-${randomBytes(16).toString("hex")}`;
const CALLER: Principal = { name: "scorer", role: "user", admin: false, via: "token" };

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
const close = (s: Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

describe("the proxy mechanism with a policy of its own (no workspace code)", () => {
  const seen: Seen[] = [];
  const exchanges: Exchange[] = [];
  const upstreamErrors: string[] = [];
  let principalLoads = 0;
  let upstream: Server | undefined;
  let front: Server | undefined;
  let proxy: Proxy | undefined;
  let wsProxy: Proxy | undefined;
  let wsFront: Server | undefined;
  /** The upstream's side of WebSockets: a server does not close while one is open. */
  const upgraded = new Set<Duplex>();
  let base = "";

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: { ...req.headers }, body });
        if (req.headers.authorization !== `Bearer ${UPSTREAM_SECRET}`) return void res.writeHead(401).end("upstream: who are you?");
        if (req.url?.endsWith("/page")) {
          // What a careless model server might do: its credential in a header, a page and a cookie.
          res.writeHead(200, {
            "content-type": "text/html",
            "x-echo-auth": `Bearer ${UPSTREAM_SECRET}`,
            "set-cookie": ["authjs.session-token=planted", `peek=${UPSTREAM_SECRET}`, "model=v2"],
          });
          return void res.end(`<html><body data-token="${UPSTREAM_SECRET}">prediction</body></html>`);
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ predictions: [body.length] }));
      });
    });
    upstream.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
      seen.push({ method: req.method, url: req.url, headers: { ...req.headers }, body: "" });
      const accept = createHash("sha1")
        .update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\nX-Echo-Auth: Bearer ${UPSTREAM_SECRET}\r\n\r\n`,
      );
      upgraded.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => upgraded.delete(socket));
    });
    const upstreamUrl = `http://127.0.0.1:${await listen(upstream)}`;
    const gone = createServer();
    const goneUrl = `http://127.0.0.1:${await listen(gone)}`;
    await close(gone);

    const policy: ProxyPolicy = {
      upstreamName: "model server",
      claims: (req) => req.url?.startsWith("/test-proxy/") ?? false,
      async authorize(req, { principals }) {
        const credential = credentialOf(headerSource(req.headers));
        const principal =
          credential?.kind === "token"
            ? await principals.get(credential, () => {
                principalLoads++;
                return Promise.resolve(credential.token === CALLER_TOKEN || credential.token === SECOND_TOKEN ? CALLER : null);
              })
            : null;
        if (!principal) return { kind: "reject", error: unauthorized() };
        const down = req.url?.startsWith("/test-proxy/down/");
        // A scoring route: the model server answers at /invocations, not at the portal's path.
        const endpoint = /^\/test-proxy\/endpoints\/[a-z]+\/invocations(\?.*)?$/.exec(req.url ?? "");
        return {
          kind: "forward",
          upstream: {
            url: down ? goneUrl : upstreamUrl,
            path: endpoint ? `/invocations${endpoint[1] ?? ""}` : undefined,
            label: down ? "down" : "model",
            auth: { authorization: `Bearer ${UPSTREAM_SECRET}` },
            secrets: [UPSTREAM_SECRET],
          },
        };
      },
      websockets: false,
      privateCookies: ["endpoint-session"],
      errorJson: (e) => ({ error_code: e.error.toUpperCase(), message: e.message }),
      onUpstreamError: (u) => upstreamErrors.push(u.label),
      onExchange: (e) => {
        exchanges.push({ ...e });
        if (e.req.url?.includes("throwing-hook")) throw new Error("a broken hook");
      },
    };
    proxy = createProxy(policy);
    front = await serve(proxy);
    base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    // The same policy taking WebSockets.
    wsProxy = createProxy({ ...policy, websockets: true });
    wsFront = await serve(wsProxy);
  });

  afterAll(async () => {
    proxy?.close();
    wsProxy?.close();
    for (const socket of upgraded) socket.destroy();
    await close(front);
    await close(wsFront);
    await close(upstream);
  });

  async function serve(p: Proxy): Promise<Server> {
    const server = createServer((req, res) => {
      if (p.claims(req)) void p.handleRequest(req, res);
      else res.writeHead(418).end();
    });
    server.on(
      "upgrade",
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void (p.claims(req) ? p.handleUpgrade(req, socket, head) : socket.destroy()),
    );
    await listen(server);
    return server;
  }

  function call(method: string, urlPath: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request(`${base}${urlPath}`, { method, headers, agent: false }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  /** The hook runs when the response closes, which may be just after the caller has read it. */
  async function exchangeOf(urlPath: string): Promise<Exchange | undefined> {
    for (let i = 0; i < 200; i++) {
      const found = exchanges.find((e) => e.req.url === urlPath);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  const caller = { authorization: `Bearer ${CALLER_TOKEN}` };

  it("forwards what it claims with the upstream's credentials instead of the caller's, and reports the exchange", async () => {
    const target = "/test-proxy/endpoints/m/invocations?x=%2F";
    const res = await call(
      "POST",
      target,
      {
        ...caller,
        "proxy-authorization": "Basic eA==",
        cookie: "authjs.session-token=s; endpoint-session=e; keep=1",
        "content-type": "application/json",
      },
      '{"inputs":[1,2]}',
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ predictions: [16] });
    const got = seen.at(-1);
    expect(got?.url).toBe("/invocations?x=%2F");
    expect(got?.body).toBe('{"inputs":[1,2]}');
    expect(got?.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    expect(got?.headers["proxy-authorization"]).toBeUndefined();
    expect(got?.headers.cookie).toBe("keep=1");
    expect(got?.headers["x-forwarded-for"]).toBe("127.0.0.1");

    const exchange = await exchangeOf(target);
    expect(exchange).toMatchObject({ status: 200, bytesIn: 16, bytesOut: res.body.length, upstream: { label: "model" } });
    expect(exchange?.durationMs).toBeGreaterThanOrEqual(0);
    expect(proxy?.claims({ url: "/elsewhere" } as never)).toBe(false);
  });

  it("refuses a caller without a valid token in the policy's error shape, without reaching the upstream", async () => {
    const hits = seen.length;
    const refusals: Record<string, string>[] = [{}, { authorization: "Bearer not-the-token" }, { cookie: "authjs.session-token=s" }];
    for (const headers of refusals) {
      const res = await call("POST", "/test-proxy/endpoints/m/invocations", headers, "{}");
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ error_code: "UNAUTHORIZED", message: "Sign in or send a valid API token." });
    }
    expect(seen.length).toBe(hits);
    const refused = await call("GET", "/test-proxy/refused-once", {});
    expect(refused.status).toBe(401);
    const exchange = await exchangeOf("/test-proxy/refused-once");
    expect(exchange).toMatchObject({ status: 401, bytesIn: 0, bytesOut: 0 });
    expect(exchange?.upstream).toBeUndefined();
  });

  it("keeps the upstream's secret out of headers, cookies and HTML, and drops portal cookies it tries to set", async () => {
    const res = await call("GET", "/test-proxy/page", caller);
    expect(res.status).toBe(200);
    expect(res.body).toBe('<html><body data-token="">prediction</body></html>');
    expect(res.headers["x-echo-auth"]).toBeUndefined();
    expect(res.headers["set-cookie"]).toEqual(["model=v2"]);
  });

  it("resolves a credential once within the principal cache's lifetime, and never caches a refusal", async () => {
    const before = principalLoads;
    const wrong = { authorization: `Bearer ${SECOND_TOKEN}-wrong` };
    expect((await call("GET", "/test-proxy/a", wrong)).status).toBe(401);
    expect((await call("GET", "/test-proxy/a", wrong)).status).toBe(401);
    expect(principalLoads).toBe(before + 2);
    const second = { authorization: `Bearer ${SECOND_TOKEN}` };
    expect((await call("GET", "/test-proxy/b", second)).status).toBe(200);
    expect((await call("GET", "/test-proxy/c", second)).status).toBe(200);
    expect(principalLoads).toBe(before + 3);
  });

  it("refuses WebSockets when the policy takes none, in its error shape", async () => {
    const hits = seen.length;
    const res = await openWebSocket(`${base}/test-proxy/stream`, caller);
    expect(res.upgraded).toBe(false);
    expect(res.status).toBe(404);
    if (!res.upgraded) expect(JSON.parse(res.body)).toMatchObject({ error_code: "NOT_FOUND" });
    expect(seen.length).toBe(hits);
  });

  it("carries WebSockets for a policy that takes them: the upstream's path and credentials, no secret in the 101", async () => {
    const res = await openWebSocket(`http://127.0.0.1:${(wsFront?.address() as AddressInfo).port}/test-proxy/endpoints/m/invocations`, {
      ...caller,
      cookie: "endpoint-session=e",
    });
    expect(res.upgraded).toBe(true);
    expect(res.headers["x-echo-auth"]).toBeUndefined();
    if (res.upgraded) res.ws.close();
    const got = seen.at(-1);
    expect(got?.url).toBe("/invocations");
    expect(got?.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    expect(got?.headers.cookie).toBeUndefined();
  });

  it("closes at once the open WebSockets whose upstream matches (a policy's revocation), and only those", async () => {
    const front = `http://127.0.0.1:${(wsFront?.address() as AddressInfo).port}`;
    // The upstream never answers a close frame, so the earlier test's socket may still be open: closed here first.
    wsProxy?.closeWebSockets(() => true);
    const scoring = await openWebSocket(`${front}/test-proxy/endpoints/m/invocations`, caller);
    const stream = await openWebSocket(`${front}/test-proxy/stream`, caller);
    if (!scoring.upgraded || !stream.upgraded) throw new Error("WebSockets not opened");
    // The proxy registers a socket once http-proxy has piped it: the first call that finds it closes it.
    await expect.poll(() => wsProxy?.closeWebSockets((u) => u.path === "/invocations"), { timeout: 10_000 }).toBe(1);
    expect(await scoring.ws.next(10_000)).toBeNull();
    expect(scoring.ws.closed).toBe(true);
    expect(stream.ws.closed).toBe(false);
    expect(wsProxy?.closeWebSockets((u) => u.path === "/invocations")).toBe(0);
    stream.ws.close();
  });

  it("answers 502 in the policy's shape when the upstream is down, and tells the policy", async () => {
    const res = await call("GET", "/test-proxy/down/x", caller);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toEqual({
      error_code: "BAD_GATEWAY",
      message: "The model server did not answer; it may be starting or may have stopped.",
    });
    expect(upstreamErrors).toEqual(["down"]);
  });

  it("survives a hook that throws", async () => {
    expect((await call("GET", "/test-proxy/throwing-hook", caller)).status).toBe(200);
    await exchangeOf("/test-proxy/throwing-hook");
    expect((await call("GET", "/test-proxy/after", caller)).status).toBe(200);
  });
});
