/**
 * bench:proxy's upstream, run as its own process so it never shares a thread with the proxy or the
 * load generator: a plain HTTP server answering every path with a small JSON body, as Jupyter's
 * /api/status does. Prints {"port": n} once it listens on 127.0.0.1.
 */
import { createServer } from "node:http";

const body = Buffer.from(
  JSON.stringify({ started: "2025-01-01T00:00:00.000000Z", last_activity: "2025-01-01T00:00:00.000000Z", connections: 0, kernels: 0 }),
);

const server = createServer((req, res) => {
  // Drain any request body so keep-alive connections stay usable.
  req.resume();
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(JSON.stringify({ port: address.port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
