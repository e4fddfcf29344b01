import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollDelayMs, waitForJupyter } from "./readiness";

describe("pollDelayMs", () => {
  it("polls every 50 ms for the first two seconds, then backs off to 250 ms by ten seconds", () => {
    expect([0, 1_000, 2_000, 4_000, 8_000, 10_000, 60_000].map((ms) => pollDelayMs(ms))).toEqual([50, 50, 50, 100, 200, 250, 250]);
  });

  it("polls less often while many starts are waiting at once", () => {
    expect([1, 5, 10, 20, 40].map((n) => pollDelayMs(0, n))).toEqual([50, 50, 100, 200, 250]);
    expect(pollDelayMs(8_000, 10)).toBe(200);
  });
});

describe("waitForJupyter", () => {
  let server: Server;
  let url: string;
  let hits = 0;
  beforeAll(async () => {
    // Answers 503 twice, then 200 only with the right token: as Jupyter does while it starts.
    server = createServer((req, res) => {
      hits++;
      const ok = hits > 2 && req.url === "/user/u/s/api/status" && req.headers.authorization === "token secret";
      res.writeHead(ok ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("returns true on the first 200, having polled at the short interval", async () => {
    const t0 = Date.now();
    expect(await waitForJupyter(url, "/user/u/s/", "secret", Date.now() + 5_000)).toBe(true);
    expect(hits).toBe(3);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("gives up at the deadline with a wrong token", async () => {
    expect(await waitForJupyter(url, "/user/u/s/", "wrong", Date.now() + 300)).toBe(false);
  });
});
