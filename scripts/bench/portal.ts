/**
 * The production portal for the benchmarks that talk HTTP to it (bench:tracking, bench:memory): resets
 * TEST_DATABASE_URL, makes a person with a real API token (the bootstrap token skips the token lookup every
 * user pays), then starts the built server as `npm start` does (e2e/support/portal.ts; `npm run build` first).
 * BENCH_PROFILE=<dir> writes the portal's CPU profile there when it stops (open it in Chrome DevTools).
 */
import { Agent, request } from "node:http";
import path from "node:path";
import { TEST_DATABASE_URL, openTestDatabase } from "../../db/testing";
import { insertUser } from "../../db/queries/users";
import { SYSTEM_PRINCIPAL } from "../../lib/auth/principal";
import { insertApiToken } from "../../lib/tokens/manage";
import { startPortal, type RunningPortal } from "../../e2e/support/portal";

export interface BenchPortal extends RunningPortal {
  /** One request with the person's token; rejects unless the answer is 200. */
  call(method: "GET" | "POST", path: string, body?: Uint8Array | string, headers?: Record<string, string>): Promise<Buffer>;
  /** The same, parsed as JSON. */
  json(method: "GET" | "POST", path: string, payload?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export async function startBenchPortal(name: string, port: number, connections: number): Promise<BenchPortal> {
  const handle = await openTestDatabase("postgres");
  let token: string;
  try {
    const owner = await insertUser(handle.db, { name: "bench", role: "user", roleSource: "admin" });
    if (!owner) throw new Error("could not create the bench user");
    ({ token } = await insertApiToken(handle.db, SYSTEM_PRINCIPAL, owner, { note: "bench", scopes: ["mlflow"] }));
  } finally {
    await handle.close();
  }
  const nodeArgs = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  const portal = await startPortal(
    name,
    port,
    {
      DATABASE_URL: TEST_DATABASE_URL,
      AUTH_SECRET: `${name}-auth-secret-0123456789abcdef`,
      ATRIUM_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
    { nodeArgs },
  );
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const once = (method: string, p: string, payload: Uint8Array | undefined, headers: Record<string, string>) =>
    new Promise<Buffer>((resolve, reject) => {
      const all = { authorization: `Bearer ${token}`, ...(payload ? { "content-length": String(payload.byteLength) } : {}), ...headers };
      const req = request({ agent, host: "127.0.0.1", port, path: p, method, headers: all }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const out = Buffer.concat(chunks);
          if (res.statusCode === 200) resolve(out);
          else reject(new Error(`${method} ${p} answered ${res.statusCode}: ${out.toString("utf8").slice(0, 500)}`));
        });
        res.on("error", reject);
      });
      // A kept-alive socket the server closed while it sat idle: the request never reached the server (Node's
      // documented case, `reusedSocket`), so it is sent again on a new one.
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === "ECONNRESET") once(method, p, payload, headers).then(resolve, reject);
        else reject(err);
      });
      req.end(payload);
    });
  const call: BenchPortal["call"] = (method, p, body, headers = {}) =>
    once(method, p, typeof body === "string" ? Buffer.from(body) : body, headers);
  const json: BenchPortal["json"] = async (method, p, payload) => {
    if (method === "GET") {
      const url = new URL(p, "http://x");
      for (const [k, v] of Object.entries(payload ?? {}))
        for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
      return JSON.parse((await call("GET", url.pathname + url.search)).toString("utf8")) as Record<string, unknown>;
    }
    const out = await call("POST", p, JSON.stringify(payload ?? {}), { "content-type": "application/json" });
    return JSON.parse(out.toString("utf8") || "{}") as Record<string, unknown>;
  };
  return {
    ...portal,
    call,
    json,
    async stop(signal) {
      agent.destroy();
      await portal.stop(signal);
    },
  };
}
