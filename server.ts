import { createServer } from "node:http";
import { ConfigError, getConfig } from "./lib/config";
import { getAuthSecret } from "./lib/auth/secret";
import { closeDb, getDbHandle } from "./lib/runtime/db";

async function main(): Promise<void> {
  const config = getConfig();
  process.env.AUTH_SECRET ??= getAuthSecret();
  // Sign-in callbacks and redirects are built from the public address, not from how Next was bound.
  process.env.AUTH_URL ??= `${config.publicUrl}/api/auth`;
  const handle = await getDbHandle();
  console.log(`[atrium] database: ${handle.kind === "postgres" ? "Postgres (DATABASE_URL)" : `embedded PGlite in ${config.dataDir}/db`}`);
  if (!config.oidc) {
    console.warn(
      "[atrium] DEVELOPMENT SIGN-IN: OIDC_ISSUER is not set, so anyone can sign in as any user name. Never expose this to a network.",
    );
  }

  // Imported only now: Next snapshots process.env when it loads and drops variables added later.
  const { default: next } = await import("next");
  const dev = process.env.NODE_ENV !== "production";
  const app = next({ dev, hostname: new URL(config.publicUrl).hostname, port: config.port });
  const handleRequest = app.getRequestHandler();
  await app.prepare();
  const handleUpgrade = app.getUpgradeHandler();

  const server = createServer((req, res) => {
    void handleRequest(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    void handleUpgrade(req, socket, head);
  });
  server.listen(config.port, process.env.ATRIUM_LISTEN_HOST ?? "0.0.0.0", () => {
    console.log(`[atrium] ready on ${config.publicUrl} (${dev ? "development" : "production"} build)`);
  });

  const shutdown = (signal: string) => {
    console.log(`[atrium] ${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    void closeDb().finally(() => process.exit(0));
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
