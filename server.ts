import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import { ConfigError, getConfig } from "./lib/config";
import { getAuthSecret } from "./lib/auth/secret";
import { closeDb, getDb, getDbHandle } from "./lib/runtime/db";
import { createProxy } from "./lib/proxy/proxy";
import { setWorkspaceWebSocketCloser } from "./lib/workspaces/connections";
import { workspaceProxyPolicy } from "./lib/workspaces/proxy-policy";
import { servingProxyPolicy } from "./lib/serving/proxy-policy";
import { createRequestLog } from "./lib/serving/request-log-writer";
import { startRequestLogRetentionLoop } from "./lib/serving/retention";
import { metrics } from "./lib/metrics/registry";
import { workspaceOriginNotice } from "./lib/workspaces/origin-notice";
import { touchServerActivity } from "./db/queries/servers";
import { securityHeaders } from "./lib/http/security-headers";
import { createMetricsHandler, isMetricsPath } from "./lib/metrics/endpoint";
import { startLeadership } from "./lib/leader/leadership";
import { startUsageLoop } from "./lib/usage/loop";
import { startWorkloadLoops } from "./lib/workloads/loop";
import { startJobsLoop } from "./lib/jobs/loop";
import { clearSpoolLeftovers } from "./lib/jobs/output-spool";
import { startEventsLoop } from "./lib/events/loop";
import { startWebhookSenderLoop } from "./lib/webhooks/loop";
import { resolveWorkspaceTarget } from "./lib/workspaces/target";
import { reconcileServer } from "./lib/workspaces/reconcile";
import { getSpawner } from "./lib/runtime/spawner";
import { earlyAnswer, withoutServingSlash } from "./lib/http/pre-route";
import { createHostGuard } from "./lib/http/allowed-host";
import { isLoopback, startWorkspaceListener } from "./lib/http/workspace-listener";

async function main(): Promise<void> {
  const config = getConfig();
  process.env.AUTH_SECRET ??= getAuthSecret();
  // Sign-in callbacks and redirects are built from the public address, not from how Next was bound.
  process.env.AUTH_URL ??= `${config.publicUrl}/api/auth`;
  // What a crashed portal left between reading a job's output and storing it (lib/jobs/output-spool.ts).
  await clearSpoolLeftovers(config.jobs.spoolDir).catch((err: unknown) =>
    console.warn(`[atrium] could not clear the job spool ${config.jobs.spoolDir}:`, err),
  );
  const handle = await getDbHandle();
  console.log(`[atrium] database: ${handle.kind === "postgres" ? "Postgres (DATABASE_URL)" : `embedded PGlite in ${config.dataDir}/db`}`);
  if (!config.oidc) {
    console.warn(
      "[atrium] DEVELOPMENT SIGN-IN: OIDC_ISSUER is not set, so anyone can sign in as any user name. Never expose this to a network.",
    );
    console.warn(
      process.env.ATRIUM_LISTEN_HOST && !isLoopback(config.listenHost)
        ? `[atrium] listening on ${config.listenHost} as ATRIUM_LISTEN_HOST says: everyone who reaches that address, code in workspaces included, can sign in as anyone.`
        : `[atrium] listening on ${config.listenHost} only (the development sign-in); workspaces reach its APIs, with their tokens, on the workspace listener.`,
    );
  }

  const notice = workspaceOriginNotice(config);
  if (notice.level === "warn") console.warn(`[atrium] ${notice.text}`);
  else console.log(`[atrium] ${notice.text}`);

  // Imported only now: Next snapshots process.env when it loads and drops variables added later.
  const { default: next } = await import("next");
  const dev = process.env.NODE_ENV !== "production";
  const app = next({ dev, hostname: new URL(config.publicUrl).hostname, port: config.port });
  const handleRequest = app.getRequestHandler();
  await app.prepare();
  const handleUpgrade = app.getUpgradeHandler();

  // The proxies, one per policy (lib/proxy/policy.ts); a request or upgrade one of them claims goes to it,
  // everything else to Next. The workspace policy claims /user/<name>/<server>/... and, with
  // ATRIUM_WORKSPACE_HOST, every path on a workspace origin (no page or API of the portal there).
  const workspacePolicy = workspaceProxyPolicy({
    getDb,
    resolveTarget: resolveWorkspaceTarget,
    publicOrigin: config.publicUrl,
    workspaceHost: config.workspaceHost,
    adminAccess: config.adminAccess,
    onActivity: (user, name) =>
      void getDb()
        .then((db) => touchServerActivity(db, user, name))
        .catch(() => undefined),
    onUnreachable: (user, name) =>
      void getDb()
        .then((db) => reconcileServer(db, getSpawner(), user, name))
        .catch((err: unknown) => console.warn(`[atrium] checking ${user}/${name} after a proxy error failed:`, err)),
  });
  // The serving policy claims /serving-endpoints/<name>/invocations (lib/serving/proxy-policy.ts).
  const requestLog = createRequestLog({ getDb, onDrop: () => metrics().servingLogDropped.inc() });
  const servingPolicy = servingProxyPolicy({
    getDb,
    publicOrigin: config.publicUrl,
    coldStartTimeoutMs: config.spawnTimeoutS * 1000,
    requestLog: config.servingRequestLog ? requestLog : undefined,
  });
  const workspaceProxy = createProxy(workspacePolicy);
  // A revoked share closes the WebSockets it let in (lib/workspaces/connections.ts).
  setWorkspaceWebSocketCloser((match) => workspaceProxy.closeWebSockets(match));
  const proxies = [workspaceProxy, createProxy(servingPolicy)];
  const proxyFor = (req: IncomingMessage) => proxies.find((proxy) => proxy.claims(req));
  const serveMetrics = createMetricsHandler();
  // DNS rebinding: a Host the portal is not known by gets 421 before anything else (lib/http/allowed-host.ts).
  const hosts = createHostGuard(config);
  const serveRequest: RequestListener = (req, res) => {
    if (hosts.refusedRequest(req, res)) return;
    const proxy = proxyFor(req);
    if (proxy) void proxy.handleRequest(req, res);
    else if (isMetricsPath(req.url)) void serveMetrics(req, res);
    else {
      const security = securityHeaders({ dev });
      for (const [name, value] of security.headers) res.setHeader(name, value);
      // TRACE and malformed %-escapes make Next answer a plain-text 500 before any handler runs.
      const early = earlyAnswer(req.method, req.url);
      if (early) res.writeHead(early.status, early.headers).end(early.body);
      else {
        req.headers["content-security-policy"] = security.policy;
        req.url = withoutServingSlash(req.url);
        void handleRequest(req, res);
      }
    }
  };
  const server = createServer(serveRequest);
  server.on("upgrade", (req, socket, head) => {
    if (hosts.refusedUpgrade(req, socket)) return;
    const proxy = proxyFor(req);
    if (proxy) void proxy.handleUpgrade(req, socket, head);
    else void handleUpgrade(req, socket, head);
  });
  server.listen(config.port, config.listenHost, () => {
    console.log(`[atrium] ready on ${config.publicUrl} (${dev ? "development" : "production"} build)`);
  });
  // On loopback no workspace reaches the portal: a second listener where host.docker.internal points
  // serves them the token-only APIs (lib/http/workspace-listener.ts).
  const stopWorkspaceListener = startWorkspaceListener({
    configured: config.workspaceListenHost,
    listenHost: config.listenHost,
    portalUrlGiven: config.workspacePortalUrlGiven,
    port: config.port,
    gateway: () => getSpawner().hostGateway?.() ?? Promise.resolve(undefined),
    handle: serveRequest,
  });

  // Background loops run on one replica only, the leader (a Postgres advisory lock); another replica
  // takes them over within seconds when the leader dies.
  const leadership = startLeadership(() => {
    // Reconcile every kind with the engine (adopting workspaces that outlived a restart) and cull idle ones.
    const stopLoops = startWorkloadLoops();
    // A usage sample every minute for the admin charts and people's own usage.
    const stopUsage = startUsageLoop(config.usageSampleMs);
    // Due cron slots, queued executions, and watching (or adopting) the running ones (docs/jobs.md).
    const stopJobs = startJobsLoop(config.jobs);
    // Registry events (written with the change that made them) handed to each consumer once.
    const stopEvents = startEventsLoop(config.events);
    // Registry webhooks: the attempts the events loop queued, sent with retries (docs/webhooks.md).
    const stopWebhooks = startWebhookSenderLoop(config.events);
    // Request log rows past their endpoint's retention (docs/serving.md).
    const stopRetention = startRequestLogRetentionLoop();
    return () => {
      stopRetention();
      stopWebhooks();
      stopLoops();
      stopUsage();
      stopJobs();
      stopEvents();
    };
  });

  const shutdown = (signal: string) => {
    console.log(`[atrium] ${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    stopWorkspaceListener();
    for (const proxy of proxies) proxy.close();
    // Ending the lock session hands leadership to another replica at its next try.
    // The request log's last rows go out before the database closes.
    void requestLog
      .close()
      .catch(() => undefined)
      .then(() => Promise.allSettled([leadership.stop(), closeDb()]))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`[atrium] cannot start: ${err.message}`);
  } else {
    console.error("[atrium] cannot start:", err);
  }
  process.exit(1);
});
