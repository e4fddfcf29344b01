import type { ServerResponse } from "node:http";
import { metrics } from "@/lib/metrics/registry";

// One counter child per status code: inc({labels}) hashes the label set on every request.
const byCode = new Map<number, { inc(): void }>();

function countHttp(code: number): void {
  let child = byCode.get(code);
  if (!child) {
    child = metrics().proxyRequests.labels("http", String(code));
    byCode.set(code, child);
  }
  child.inc();
}

/** Counts a proxied HTTP request by its status and times it until the response has ended. */
export function measureProxyRequest(res: ServerResponse): void {
  const m = metrics();
  const stop = m.proxyDuration.startTimer();
  // "close" follows "finish" on every response and also comes alone when the caller goes away.
  res.once("close", () => {
    stop();
    countHttp(res.statusCode);
  });
}

/** Counts a WebSocket upgrade request to a proxied route (allowed or not). */
export function countProxyUpgrade(): void {
  metrics().proxyRequests.inc({ kind: "websocket", code: "upgrade" });
}
