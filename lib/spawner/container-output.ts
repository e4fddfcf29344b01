/**
 * What an ended or running container leaves to read: its log as lines, live or as it stands, and
 * one file copied out of its filesystem (a job's executed notebook, which the runner writes outside
 * the person's home so it never clutters it: docs/jobs.md). Both are read
 * through bounded-output.ts within the caller's limit.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { BoundedLines, pipeBounded, type OutputLimit } from "./bounded-output";
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

/**
 * Passes on the body of the first regular file of a tar stream (GNU/ustar headers; Docker's archive
 * of one path holds that file first) as it arrives, and drops the rest: directories, long-name and
 * pax headers are skipped. `size` is the file's size once its header was read; undefined when the
 * archive held no file.
 */
class FirstTarFile extends Transform {
  size: number | undefined;
  private header = Buffer.alloc(0);
  /** Bytes of the current entry's body still to come, and its padding to 512. */
  private body = 0;
  private padding = 0;
  private passing = false;
  private done = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    while (data.length > 0 && !this.done) {
      if (this.body > 0) {
        const take = Math.min(this.body, data.length);
        if (this.passing) this.push(data.subarray(0, take));
        this.body -= take;
        data = data.subarray(take);
        if (this.body === 0 && this.passing) this.done = true;
      } else if (this.padding > 0) {
        const skip = Math.min(this.padding, data.length);
        this.padding -= skip;
        data = data.subarray(skip);
      } else {
        const need = 512 - this.header.length;
        this.header = Buffer.concat([this.header, data.subarray(0, need)]);
        data = data.subarray(need);
        if (this.header.length < 512) break;
        this.startEntry(this.header);
        this.header = Buffer.alloc(0);
      }
    }
    callback();
  }

  private startEntry(header: Buffer): void {
    if (header.every((b) => b === 0)) {
      this.done = true; // the end-of-archive blocks
      return;
    }
    const size = parseInt(header.subarray(124, 136).toString("ascii").replace(/\0.*$/, "").trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 0);
    this.body = size;
    this.padding = Math.ceil(size / 512) * 512 - size;
    if (type === "0" || type === "\0") {
      this.passing = true;
      this.size = size;
      if (size === 0) this.done = true;
    }
  }
}

/**
 * Copies the file at `path` out of a container into the file `dest`, streamed (the portal holds a
 * chunk at a time) within `limit`, which counts the tar's headers and padding too. Returns its size,
 * or undefined when it is absent; on an OutputLimitError `dest` holds a part of it.
 */
export async function containerFile(
  engine: Engine,
  containerId: string,
  path: string,
  limit: OutputLimit,
  dest: string,
): Promise<number | undefined> {
  const archive = (abortSignal: AbortSignal) => engine.docker.getContainer(containerId).getArchive({ path, abortSignal });
  const stream = (await engine.lookup(`copy ${path} out of a container`, archive)) as Readable | undefined;
  if (!stream) return undefined;
  const file = new FirstTarFile();
  await pipeBounded(stream, limit, [file, createWriteStream(dest)], (err) => engine.translate(err));
  if (file.size === undefined) await rm(dest, { force: true });
  return file.size;
}
