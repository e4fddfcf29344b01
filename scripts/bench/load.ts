/**
 * A bounded HTTP load generator for bench:proxy and bench:serving: `connections` keep-alive connections,
 * each sending its next request (a GET, or a POST of `body` as JSON) as soon as the previous answer has been
 * read, for a fixed duration.
 * Counts only 200 answers as successes; latencies are per request, in ms.
 */
import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

function getOnce(agent: Agent, url: URL, headers: Record<string, string>, body?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const method = body ? "POST" : "GET";
    const all = body ? { ...headers, "content-type": "application/json", "content-length": String(body.length) } : headers;
    const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: all }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("error", () => resolve(false));
    req.end(body);
  });
}

export async function runLoad(
  target: string,
  headers: Record<string, string>,
  connections: number,
  durationMs: number,
  body?: string,
): Promise<LoadResult> {
  const payload = body === undefined ? undefined : Buffer.from(body);
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const ok = await getOnce(agent, url, headers, payload);
      if (ok) latencies.push(performance.now() - s);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, seconds, latencies };
}
