import { existsSync, unlinkSync } from "node:fs";
import net from "node:net";

/**
 * A unix-socket relay in front of the real Docker socket that a test can cut and restore, to see
 * the portal with its engine gone and back without stopping the engine other tests use.
 */
export async function startSocketRelay(path: string, target = "/var/run/docker.sock") {
  const open = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      if (existsSync(path)) unlinkSync(path);
      server = net.createServer((client) => {
        const upstream = net.connect(target);
        open.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
      });
      server.listen(path, resolve);
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      open.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return { path, cut, restore: listen, stop: cut };
}
