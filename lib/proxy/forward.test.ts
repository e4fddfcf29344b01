/**
 * The lean HTTP forwarder against real loopback servers: what reaches the workspace, timeouts, and a
 * caller who goes away. (lib/workspaces/proxy-policy.test.ts covers it again behind auth, scrubbing and Jupyter.)
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_TOO_LARGE, forwardRequest } from "./forward";

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const listen = (s: Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

describe("forwardRequest", () => {
  const agent = new Agent({ keepAlive: true });
  let seen: Seen[] = [];
  let upstreamClosed = 0;
  let upstream: Server;
  let front: Server;
  let frontPort = 0;
  const errors: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url?.startsWith("/silent")) return; // never answers
        if (req.url?.startsWith("/slow")) {
          res.on("close", () => upstreamClosed++);
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("first part ");
          return; // keeps the response open until the caller goes away
        }
        res.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    const upstreamPort = await listen(upstream);
    const target = `http://127.0.0.1:${upstreamPort}`;
    front = createServer((req, res) => {
      forwardRequest(req, res, target, {
        agent,
        timeoutMs: 300,
        onResponse: (proxyRes) => {
          res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
          proxyRes.pipe(res);
        },
        onError: (err) => {
          errors.push((err as NodeJS.ErrnoException).code ?? err.message);
          res.writeHead(502).end();
        },
      });
    });
    frontPort = await listen(front);
  });
  afterAll(async () => {
    agent.destroy();
    await close(front);
    await close(upstream);
  });

  function call(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: frontPort, method, path, headers }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("passes method, path (verbatim), headers and body, adds X-Forwarded-*, and returns the answer", async () => {
    seen = [];
    const res = await call(
      "POST",
      "/user/a/b//api/x?y=1&z=%2F",
      { "content-type": "text/plain", "x-forwarded-for": "10.0.0.1", authorization: "token w" },
      "hello",
    );
    expect(res.status).toBe(201);
    expect(res.headers["x-upstream"]).toBe("yes");
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    const got = seen[0];
    expect(got?.method).toBe("POST");
    expect(got?.url).toBe("/user/a/b//api/x?y=1&z=%2F");
    expect(got?.body).toBe("hello");
    expect(got?.headers.authorization).toBe("token w");
    expect(got?.headers["x-forwarded-for"]).toBe("10.0.0.1,127.0.0.1");
    expect(got?.headers["x-forwarded-proto"]).toBe("http");
    expect(got?.headers["x-forwarded-port"]).toBe(String(frontPort));
    expect(got?.headers["x-forwarded-host"]).toBe(`127.0.0.1:${frontPort}`);
  });

  it("sends a bodiless DELETE with content-length 0 and drops a Trailer header", async () => {
    seen = [];
    // Node's client refuses to send a Trailer header itself, so this request is written by hand.
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(frontPort, "127.0.0.1", () => {
        sock.write(
          `DELETE /user/a/b/api/kernels/1 HTTP/1.1\r\nHost: 127.0.0.1:${frontPort}\r\nTrailer: x-checksum\r\nConnection: close\r\n\r\n`,
        );
      });
      let text = "";
      sock.on("data", (d: Buffer) => (text += d.toString()));
      sock.on("end", () => resolve(text));
      sock.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 201 Created");
    expect(seen[0]?.headers["content-length"]).toBe("0");
    expect(seen[0]?.headers.trailer).toBeUndefined();
  });

  it("fails with ETIMEDOUT when the workspace stays silent", async () => {
    errors.length = 0;
    const res = await call("GET", "/silent", {});
    expect(res.status).toBe(502);
    expect(errors).toEqual(["ETIMEDOUT"]);
  });

  it("stops the workspace's side when the caller goes away mid-answer", async () => {
    upstreamClosed = 0;
    await new Promise<void>((resolve) => {
      const req = request({ host: "127.0.0.1", port: frontPort, path: "/slow" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => undefined);
      req.end();
    });
    for (let i = 0; i < 50 && upstreamClosed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(upstreamClosed).toBe(1);
  });
});

describe("forwardRequest with retryTo and maxBodyBytes", () => {
  const agent = new Agent({ keepAlive: true });
  const bodies: string[] = [];
  let upstream: Server;
  let front: Server;
  let frontPort = 0;
  let refusedUrl = "";
  const retried: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        bodies.push(body);
        res.writeHead(200, { "content-type": "text/plain" }).end(`got ${body.length}`);
      });
    });
    const goodUrl = `http://127.0.0.1:${await listen(upstream)}`;
    // A port that was listening a moment ago and is closed now: connections to it are refused.
    const gone = createServer();
    refusedUrl = `http://127.0.0.1:${await listen(gone)}`;
    await close(gone);
    front = createServer((req, res) => {
      const first = req.url === "/to-good" ? goodUrl : refusedUrl;
      forwardRequest(req, res, first, {
        agent,
        timeoutMs: 5_000,
        maxBodyBytes: 100_000,
        retryTo: (err) => {
          retried.push((err as NodeJS.ErrnoException).code ?? "");
          return req.url === "/no-retry" ? undefined : goodUrl;
        },
        onResponse: (proxyRes) => {
          res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
          proxyRes.pipe(res);
        },
        onError: (err) => {
          errors.push((err as NodeJS.ErrnoException).code ?? err.message);
          res.writeHead(502).end();
        },
      });
    });
    frontPort = await listen(front);
  });
  afterAll(async () => {
    agent.destroy();
    await close(front);
    await close(upstream);
  });

  const post = (path: string, body: string) =>
    fetch(`http://127.0.0.1:${frontPort}${path}`, { method: "POST", body }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it("sends a request whose connection was refused to the other upstream, body and all", async () => {
    bodies.length = 0;
    retried.length = 0;
    const body = "x".repeat(50_000);
    expect(await post("/refused", body)).toEqual({ status: 200, text: "got 50000" });
    expect(retried).toEqual(["ECONNREFUSED"]);
    expect(bodies).toEqual([body]);
  });

  it("fails when no other upstream is offered", async () => {
    errors.length = 0;
    expect((await post("/no-retry", "abc")).status).toBe(502);
    expect(errors).toEqual(["ECONNREFUSED"]);
  });

  it("stops a body past maxBodyBytes with BODY_TOO_LARGE", async () => {
    errors.length = 0;
    bodies.length = 0;
    // Chunked (no Content-Length), so only counting catches it.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 30; i++) c.enqueue(new TextEncoder().encode("y".repeat(10_000)));
        c.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${frontPort}/to-good`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(res.status).toBe(502);
    expect(errors).toEqual([BODY_TOO_LARGE]);
    expect(bodies).toEqual([]);
  });
});
