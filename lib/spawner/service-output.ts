/**
 * What a swarm service's tasks wrote, read through the manager (`GET /services/<id>/logs`), which
 * fetches it from whichever node ran the task: the portal needs no access to that node's engine.
 * Read through bounded-output.ts like every container's output. A followed service log never ends
 * by itself (the swarm waits for the next task), so it is closed once `running` says the task
 * ended, after a moment for the last lines.
 */
import { BoundedLines, LOG_TAIL_LIMIT, readBounded, type OutputLimit } from "./bounded-output";
import type { Engine } from "./engine";
import { noLines } from "./container-output";

const TAIL_GRACE_MS = 1500;
const POLL_MS = 1000;

function serviceLogStream(engine: Engine, serviceId: string, query: Record<string, string | number | boolean>) {
  return engine.openStream("read a service's log", `/services/${encodeURIComponent(serviceId)}/logs`, {
    stdout: true,
    stderr: true,
    ...query,
  });
}

/** The service's last 20 lines as the engine sends them (multiplexed stdout and stderr), for a failure reason. */
export async function serviceLogTail(engine: Engine, serviceId: string): Promise<Buffer> {
  const stream = await serviceLogStream(engine, serviceId, { follow: false, tail: 20 });
  return stream ? readBounded(stream, LOG_TAIL_LIMIT, (err) => engine.translate(err)) : Buffer.alloc(0);
}

export async function serviceLogLines(
  engine: Engine,
  serviceId: string,
  follow: boolean,
  limit: OutputLimit,
  running: () => Promise<boolean>,
): Promise<AsyncIterable<string>> {
  const stream = await serviceLogStream(engine, serviceId, { follow });
  if (!stream) return noLines();
  const lines = new BoundedLines(stream, limit, (err) => engine.translate(err));
  if (!follow) return lines;
  void (async () => {
    let ended = false;
    void lines.done.finally(() => (ended = true)).catch(() => undefined);
    while (!ended && (await running().catch(() => false))) await new Promise((r) => setTimeout(r, POLL_MS));
    await new Promise((r) => setTimeout(r, TAIL_GRACE_MS));
    stream.destroy();
  })();
  return lines;
}
