import type { ServerResponse } from "node:http";
import { metrics } from "@/lib/metrics/registry";

/** Counts a proxied HTTP request by its status and times it until the response has ended. */
export function measureProxyRequest(res: ServerResponse): void {
  const m = metrics();
  const stop = m.proxyDuration.startTimer();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    stop();
    m.proxyRequests.inc({ kind: "http", code: String(res.statusCode) });
  };
  res.once("finish", end);
  res.once("close", end);
}

/** Counts a WebSocket upgrade request to a workspace (allowed or not). */
export function countProxyUpgrade(): void {
  metrics().proxyRequests.inc({ kind: "websocket", code: "upgrade" });
}
