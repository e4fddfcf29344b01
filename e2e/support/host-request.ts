import { request, type IncomingHttpHeaders } from "node:http";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request to the portal on 127.0.0.1:<port> with the Host header a browser would send for
 * `host`: Node does not resolve `*.localhost` as Chromium does, and redirects are not followed, so a
 * test sees every hop of a handshake.
 */
export function hostRequest(
  port: number,
  host: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      method: opts.method ?? "GET",
      headers: { host, ...opts.headers },
      timeout: 30_000,
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${host}${path}`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.end(opts.body);
  });
}

/** `name=value` pairs of the Set-Cookie headers, for sending back as a Cookie header. */
export function setCookies(res: RawResponse): Map<string, { value: string; raw: string }> {
  const out = new Map<string, { value: string; raw: string }>();
  for (const raw of res.headers["set-cookie"] ?? []) {
    const pair = raw.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq > 0) out.set(pair.slice(0, eq).trim(), { value: pair.slice(eq + 1).trim(), raw });
  }
  return out;
}
