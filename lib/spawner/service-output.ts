/**
 * What a swarm service's tasks wrote, read through the manager (`GET /services/<id>/logs`), which
 * fetches it from whichever node ran the task: the portal needs no access to that node's engine.
 * A followed service log never ends by itself (the swarm waits for the next task), so it is closed
 * once `running` says the task ended, after a moment for the last lines.
 */
import { Readable, type Duplex } from "node:stream";
import type { Engine } from "./engine";
import { ExecLines } from "./exec-lines";

const TAIL_GRACE_MS = 1500;
const POLL_MS = 1000;

async function toBuffer(out: unknown): Promise<Buffer> {
  if (Buffer.isBuffer(out)) return out;
  const chunks: Buffer[] = [];
  for await (const chunk of out as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The service's log as the engine sends it (multiplexed stdout and stderr), the last `tail` lines or all. */
export async function serviceLog(engine: Engine, serviceId: string, tail?: number): Promise<Buffer> {
  const out: unknown = await engine.call((abortSignal) =>
    engine.docker.getService(serviceId).logs({ stdout: true, stderr: true, follow: false, ...(tail ? { tail } : {}), abortSignal }),
  );
  return toBuffer(out);
}

export async function serviceLogLines(
  engine: Engine,
  serviceId: string,
  follow: boolean,
  running: () => Promise<boolean>,
): Promise<AsyncIterable<string>> {
  if (!follow) {
    const buf = await serviceLog(engine, serviceId);
    return new ExecLines(Readable.from([buf]) as unknown as Duplex, (err) => engine.translate(err));
  }
  const stream = (await engine.call((abortSignal) =>
    engine.docker.getService(serviceId).logs({ stdout: true, stderr: true, follow: true, abortSignal }),
  )) as unknown as Duplex;
  const lines = new ExecLines(stream, (err) => engine.translate(err));
  void (async () => {
    let ended = false;
    void lines.done.finally(() => (ended = true));
    while (!ended && (await running().catch(() => false))) await new Promise((r) => setTimeout(r, POLL_MS));
    await new Promise((r) => setTimeout(r, TAIL_GRACE_MS));
    stream.destroy();
  })();
  return lines;
}
