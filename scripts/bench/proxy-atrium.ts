/**
 * bench:proxy's Atrium side, run as its own process: a real database (in-memory PGlite, or Postgres
 * on TEST_DATABASE_URL with BENCH_DB=postgres), a real user with a personal API token, a server row
 * that is running at the upstream, and the workspace proxy behind the same dispatch as server.ts
 * (a list of proxies, each claiming its requests, everything else elsewhere), with the same target resolution and
 * activity hook. Prints {"port", "token", "path"} once it listens on 127.0.0.1.
 *
 * Usage: tsx scripts/bench/proxy-atrium.ts <upstream url>
 */
import { createServer } from "node:http";
import { touchServerActivity, upsertServer } from "../../db/queries/servers";
import { insertUser } from "../../db/queries/users";
import { openTestDatabase } from "../../db/testing";
import { SYSTEM_PRINCIPAL } from "../../lib/auth/principal";
import { createApiToken } from "../../lib/users/tokens";
import { createProxy } from "../../lib/proxy/proxy";
import { resolveWorkspaceTarget } from "../../lib/workspaces/target";
import { workspaceProxyPolicy } from "../../lib/workspaces/proxy-policy";
import { serverRowFixture } from "../../db/server-fixture";

const USER = "benchproxy";
const SERVER = "default";

async function main() {
  const upstream = process.argv[2];
  if (!upstream) throw new Error("usage: proxy-atrium.ts <upstream url>");
  const handle = await openTestDatabase(process.env.BENCH_DB === "postgres" ? "postgres" : "pglite");
  const db = handle.db;
  await insertUser(db, { name: USER, role: "user", roleSource: "admin" });
  const { token } = await createApiToken(db, SYSTEM_PRINCIPAL, USER, { note: "bench:proxy" });
  await upsertServer(db, await serverRowFixture(db, USER, SERVER, { url: upstream, jupyterToken: "bench-workspace-token-0123456789" }));

  const proxies = [
    createProxy(
      workspaceProxyPolicy({
        getDb: () => Promise.resolve(db),
        resolveTarget: resolveWorkspaceTarget,
        onActivity: (user, name) => void touchServerActivity(db, user, name).catch(() => undefined),
      }),
    ),
  ];
  const server = createServer((req, res) => {
    const proxy = proxies.find((p) => p.claims(req));
    if (proxy) void proxy.handleRequest(req, res);
    else {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (address && typeof address === "object")
      console.log(JSON.stringify({ port: address.port, token, path: `/user/${USER}/${SERVER}/api/status` }));
  });
  process.on("SIGTERM", () => {
    for (const proxy of proxies) proxy.close();
    server.close();
    void handle.close().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
