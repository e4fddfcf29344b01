/**
 * A bounded HTTP load generator for bench:proxy: `connections` keep-alive connections on loopback,
 * each sending its next GET as soon as the previous answer has been read, for a fixed duration.
 * Counts only 200 answers as successes; latencies are per request, in ms.
 */
import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

function getOnce(agent: Agent, url: URL, headers: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

export async function runLoad(
  target: string,
  headers: Record<string, string>,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      const ok = await getOnce(agent, url, headers);
      if (ok) latencies.push(performance.now() - s);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, seconds, latencies };
}
