import type { IncomingMessage, ServerResponse } from "node:http";
import { getConfig, type AtriumConfig } from "@/lib/config";
import { decideMetricsAccess, metricsAccess } from "./access";
import { metrics } from "./registry";

export const isMetricsPath = (url: string | undefined) => url === "/metrics" || url?.startsWith("/metrics?") === true;

function sendError(res: ServerResponse, status: number, error: string, message: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(status === 401 ? { "www-authenticate": 'Bearer realm="metrics"' } : {}),
  });
  res.end(JSON.stringify({ error, message }));
}

/**
 * GET /metrics in the Prometheus text format. Served by server.ts before Next, because the address
 * allow-list needs the TCP peer address, which a Next route cannot see.
 */
export function createMetricsHandler(settings: AtriumConfig["metrics"] = getConfig().metrics) {
  const access = metricsAccess(settings);
  console.log(`[atrium] /metrics is open to ${access.describe}`);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "method_not_allowed", "Use GET for /metrics.");
    const decision = decideMetricsAccess(access, {
      authorization: req.headers.authorization ?? null,
      remoteAddress: req.socket.remoteAddress,
    });
    if (decision === "unauthorized") return sendError(res, 401, "unauthorized", "Send the metrics token as Authorization: Bearer <token>.");
    if (decision === "forbidden")
      return sendError(res, 403, "forbidden", "This address may not read the metrics; add it to ATRIUM_METRICS_ALLOW.");
    try {
      const { registry } = metrics();
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (err) {
      console.error("[atrium] /metrics failed:", err);
      sendError(res, 503, "metrics_unavailable", "The metrics could not be collected right now; see the portal's log.");
    }
  };
}
