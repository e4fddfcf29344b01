import http from "node:http";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  /** e.g. http://localhost:3302 */
  base: string;
  method: string;
  /** Sent byte for byte: fetch and Playwright would normalise `%zz`, `..` and methods such as TRACE. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One HTTP request with a raw path and method; the whole response body is read as text. */
export function rawRequest(r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.base);
  // Always a length: Node sends a DELETE's body without one (no chunking for DELETE), which servers refuse.
  const headers = { ...r.headers, "content-length": String(r.body === undefined ? 0 : Buffer.byteLength(r.body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent, timeout: r.timeoutMs ?? 30_000 },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${r.method} ${r.path}: no answer within ${(r.timeoutMs ?? 30_000) / 1000}s`)));
    req.on("error", reject);
    req.end(r.body);
  });
}
