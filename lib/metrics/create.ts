/** The Prometheus registry and the portal's metrics (docs/architecture.md §2); one per process, in lib/runtime/context.ts. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Db } from "@/db/client";
import { countServersByStatus } from "@/db/queries/server-counts";

const STATES = ["pending", "running", "stopping"] as const;

/** The registry and the portal's metrics; `db` opens the database the active-servers gauge counts in. */
export function createMetrics(db: () => Promise<Db>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "atrium_process_" });
  return {
    registry,
    activeServers: new Gauge({
      name: "atrium_active_servers",
      help: "Workspaces holding resources, by state.",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const counts = await countServersByStatus(await db());
        for (const s of STATES) this.set({ state: s }, counts[s] ?? 0);
      },
    }),
    spawnDuration: new Histogram({
      name: "atrium_spawn_duration_seconds",
      help: "From a start request to Jupyter answering, for starts that succeeded.",
      buckets: [1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300],
      registers: [registry],
    }),
    spawnFailures: new Counter({
      name: "atrium_spawn_failures_total",
      help: "Starts that failed, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    proxyRequests: new Counter({
      name: "atrium_proxy_requests_total",
      help: "Requests to /user/<name>/<server>/ by kind (http, websocket) and answer status code.",
      labelNames: ["kind", "code"] as const,
      registers: [registry],
    }),
    proxyDuration: new Histogram({
      name: "atrium_proxy_request_duration_seconds",
      help: "Time until the proxy sent the response headers, HTTP requests only.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    trackingWrites: new Counter({
      name: "atrium_tracking_writes_total",
      help: "Write calls to the MLflow-compatible tracking API.",
      registers: [registry],
    }),
    servingRequests: new Counter({
      name: "atrium_serving_requests_total",
      help: "Calls to /serving-endpoints/<name>/invocations by endpoint, served entity, model version and status class (2xx, 4xx, 5xx; shadow copies excluded).",
      labelNames: ["endpoint", "entity", "version", "class"] as const,
      registers: [registry],
    }),
    servingDuration: new Histogram({
      name: "atrium_serving_request_duration_seconds",
      help: "Time from a call's arrival until its answer ended, by endpoint and served entity.",
      labelNames: ["endpoint", "entity"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    servingLogDropped: new Counter({
      name: "atrium_serving_request_log_dropped_total",
      help: "Request log rows dropped because the write queue was full (the calls themselves were answered).",
      registers: [registry],
    }),
    servingRefusalsUnlogged: new Counter({
      name: "atrium_serving_refusals_unlogged_total",
      help: "Refused invocations given no request log row because refusals came faster than the log takes them (per endpoint and per portal).",
      registers: [registry],
    }),
    servingShadowSkipped: new Counter({
      name: "atrium_serving_shadow_skipped_total",
      help: "Calls not copied to the shadow entity: a body over the endpoint's sample byte cap, no ready shadow replica, or too many copies in flight.",
      labelNames: ["endpoint", "reason"] as const,
      registers: [registry],
    }),
    culls: new Counter({
      name: "atrium_culls_total",
      help: "Workspaces stopped for being idle.",
      registers: [registry],
    }),
  };
}

export type AtriumMetrics = ReturnType<typeof createMetrics>;
