/**
 * What an ended or running container leaves to read, for job executions (docs/jobs.md): its log as
 * lines, live or whole, and one file copied out of its filesystem (the executed notebook, which the
 * runner writes outside the person's home so it never clutters it).
 */
import { Readable, type Duplex } from "node:stream";
import type { Engine } from "./engine";
import { ExecLines } from "./exec-lines";

export async function containerLogLines(engine: Engine, containerId: string, follow: boolean): Promise<AsyncIterable<string>> {
  const container = engine.docker.getContainer(containerId);
  // No deadline on a followed stream itself: it lasts as long as the execution does.
  const logs: Buffer | NodeJS.ReadableStream = follow
    ? await engine.call((abortSignal) => container.logs({ stdout: true, stderr: true, follow: true, abortSignal }))
    : await engine.call((abortSignal) => container.logs({ stdout: true, stderr: true, follow: false, abortSignal }));
  const stream = Buffer.isBuffer(logs) ? Readable.from([logs]) : logs;
  return new ExecLines(stream as unknown as Duplex, (err) => engine.translate(err));
}

/** The first file of a tar stream (GNU/ustar headers; Docker's archive of one path holds that file first). */
function firstTarFile(tar: Buffer): Buffer | undefined {
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString("ascii").replace(/\0.*$/, "").trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = off + 512;
    if (type === "0" || type === "\0") return tar.subarray(body, body + size);
    off = body + Math.ceil(size / 512) * 512; // a directory, a long-name or pax header: skip it
  }
  return undefined;
}

export async function containerFile(engine: Engine, containerId: string, path: string): Promise<Buffer | undefined> {
  const archive = (abortSignal: AbortSignal) => engine.docker.getContainer(containerId).getArchive({ path, abortSignal });
  const stream = await engine.lookup(`copy ${path} out of a container`, archive);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return firstTarFile(Buffer.concat(chunks));
}
