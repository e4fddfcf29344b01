import { createServer, request, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { createHostGuard, hostAllowList, hostName, isAllowedHost } from "./allowed-host";

const configOf = (env: Record<string, string>) => parseConfig(env as NodeJS.ProcessEnv);

describe("hostName", () => {
  it.each([
    ["localhost:3000", "localhost"],
    ["Atrium.Example.COM", "atrium.example.com"],
    ["atrium.example.com.:443", "atrium.example.com"],
    ["[::1]:3000", "::1"],
    ["127.0.0.1", "127.0.0.1"],
  ])("reads %s as %s", (header, name) => expect(hostName(header)).toBe(name));

  it.each([undefined, "", "a b", "evil.example/x", "user@host", "[nonsense]", "host:port"])("finds no name in %s", (header) => {
    expect(hostName(header)).toBeNull();
  });
});

describe("the default development set-up (npm run up)", () => {
  const list = hostAllowList(configOf({ PORT: "3000" }));

  it.each(["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "host.docker.internal:3000", "10.1.2.3", "ws.localhost:3000"])(
    "answers to %s",
    (host) => expect(isAllowedHost(list, host)).toBe(true),
  );

  it.each(["rebind.attacker.example:3000", "localhost.attacker.example", "attacker-localhost", "127.0.0.1.nip.io", undefined])(
    "refuses %s",
    (host) => expect(isAllowedHost(list, host)).toBe(false),
  );
});

describe("a public portal", () => {
  const list = hostAllowList(
    configOf({
      ATRIUM_PUBLIC_URL: "https://atrium.example.com",
      ATRIUM_WORKSPACE_PORTAL_URL: "http://atrium-portal:3000",
      ATRIUM_WORKSPACE_HOST: "*.ws.example.net",
      ATRIUM_ALLOWED_HOSTS: "atrium.internal,*.corp.example",
    }),
  );

  it.each([
    "atrium.example.com",
    "ATRIUM.example.com:443",
    "atrium-portal:3000",
    "alice--lab.ws.example.net",
    "ws.example.net",
    "atrium.internal",
    "corp.example",
    "eu.corp.example",
  ])("answers to %s", (host) => expect(isAllowedHost(list, host)).toBe(true));

  it.each(["example.com", "evil.atrium.example.com", "atrium.example.com.evil", "corp.example.evil", "xcorp.example"])(
    "refuses %s",
    (host) => expect(isAllowedHost(list, host)).toBe(false),
  );
});

describe("createHostGuard on a real server", () => {
  let server: Server;
  let port = 0;
  const reached: string[] = [];

  beforeAll(async () => {
    const guard = createHostGuard(configOf({ PORT: "3000" }));
    server = createServer((req, res) => {
      if (guard.refusedRequest(req, res)) return;
      reached.push(`http ${req.headers.host}`);
      res.end("ok");
    });
    server.on("upgrade", (req, socket) => {
      if (guard.refusedUpgrade(req, socket)) return;
      reached.push(`upgrade ${req.headers.host}`);
      socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (host: string, accept = "application/json") =>
    new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/api/auth/csrf", headers: { host, accept } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
      });
      req.on("error", reject);
      req.end();
    });

  const upgrade = (host: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write(`GET /user/a/b/api/kernels/k/channels HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`),
      );
      let data = "";
      socket.on("data", (c: Buffer) => (data += c.toString()));
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
    });

  it("answers 421 with one sentence to a forged Host, and a page to a browser", async () => {
    const json = await get("rebind.attacker.example:3000");
    expect(json.status).toBe(421);
    expect(JSON.parse(json.body)).toEqual({
      error: "misdirected_request",
      message:
        'This portal does not answer to the host name "rebind.attacker.example:3000": open it at its own address, or ask its operator to add the name to ATRIUM_ALLOWED_HOSTS.',
    });
    const page = await get("rebind.attacker.example:3000", "text/html");
    expect([page.status, page.type]).toEqual([421, "text/html; charset=utf-8"]);
    expect(page.body).toContain("Wrong address for this portal");
    expect(await get(`<script>${"x".repeat(300)}`, "text/html")).toMatchObject({ status: 421 });
  });

  it("writes 421 on a WebSocket upgrade with a forged Host and closes the socket", async () => {
    const answer = await upgrade("rebind.attacker.example:3000");
    expect(answer).toMatch(/^HTTP\/1\.1 421 Misdirected Request\r\n/);
    expect(answer).toContain('"error":"misdirected_request"');
  });

  it("lets the portal's own names through, and nothing forged reached the handlers", async () => {
    expect((await get(`localhost:${port}`)).status).toBe(200);
    expect((await get(`127.0.0.1:${port}`)).status).toBe(200);
    expect(await upgrade(`localhost:${port}`)).toMatch(/^HTTP\/1\.1 101 /);
    expect(reached).toEqual([`http localhost:${port}`, `http 127.0.0.1:${port}`, `upgrade localhost:${port}`]);
  });
});
