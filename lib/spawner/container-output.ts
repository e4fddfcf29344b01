/**
 * What an ended or running container leaves to read: its log as lines, live or as it stands, and
 * one file copied out of its filesystem (a job's executed notebook, which the runner writes outside
 * the person's home so it never clutters it: docs/jobs.md). Both are read
 * through bounded-output.ts within the caller's limit.
 */
import type { Readable } from "node:stream";
import { BoundedLines, readBounded, type OutputLimit } from "./bounded-output";
import type { Engine } from "./engine";

/** No lines: the log of a workload that has no object (never started, or removed). */
export async function* noLines(): AsyncIterable<string> {}

export async function containerLogLines(
  engine: Engine,
  containerId: string,
  follow: boolean,
  limit: OutputLimit,
): Promise<AsyncIterable<string>> {
  const query = { stdout: true, stderr: true, follow };
  const stream = await engine.openStream("read a container's log", `/containers/${encodeURIComponent(containerId)}/logs`, query);
  return stream ? new BoundedLines(stream, limit, (err) => engine.translate(err)) : noLines();
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

/** The file at `path`, read as a tar within `limit` (its headers count: 512 bytes each, and padding). */
export async function containerFile(engine: Engine, containerId: string, path: string, limit: OutputLimit): Promise<Buffer | undefined> {
  const archive = (abortSignal: AbortSignal) => engine.docker.getContainer(containerId).getArchive({ path, abortSignal });
  const stream = (await engine.lookup(`copy ${path} out of a container`, archive)) as Readable | undefined;
  if (!stream) return undefined;
  return firstTarFile(await readBounded(stream, limit, (err) => engine.translate(err)));
}
