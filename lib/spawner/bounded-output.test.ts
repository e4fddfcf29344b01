/**
 * The bounded reader on real Node streams (a PassThrough stands for the engine's socket): Docker's
 * frames split anywhere, lines and UTF-8 across chunks, the byte cap and the deadline in both modes,
 * and that passing a limit destroys the stream. The same reader against the real engine is in
 * lib/packages/install.test.ts (pip's output) and lib/jobs/execution.test.ts (a job's log).
 */
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BoundedLines, OutputLimitError, pipeBounded, readBounded, truncationLine, type OutputLimit } from "./bounded-output";

const MIB = 1024 * 1024;
const limit = (over: Partial<OutputLimit> = {}): OutputLimit => ({
  maxBytes: MIB,
  deadlineMs: 10_000,
  what: "pip",
  consequence: "the package list was not read",
  ...over,
});

/** One Docker frame: stream type (1 stdout, 2 stderr), three zero bytes, the length, the payload. */
function frame(type: 1 | 2, payload: string | Buffer): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

async function all(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

describe("BoundedLines", () => {
  it("demultiplexes frames split at every byte, joins lines and UTF-8 characters across frames, per stream", async () => {
    const src = new PassThrough();
    const lines = new BoundedLines(src, limit());
    const bytes = Buffer.concat([
      frame(1, "first li"),
      frame(2, "err "),
      frame(1, "ne\nsecond "),
      frame(1, Buffer.from("é", "utf8").subarray(0, 1)),
      frame(2, "line\n"),
      frame(1, Buffer.concat([Buffer.from("é", "utf8").subarray(1), Buffer.from("\r\nno newline")])),
    ]);
    const reading = all(lines);
    for (let i = 0; i < bytes.length; i++) src.write(bytes.subarray(i, i + 1));
    src.end();
    expect(await reading).toEqual(["first line", "err line", "second é", "no newline"]);
    await expect(lines.done).resolves.toBeUndefined();
  });

  it("passes a stream that is not multiplexed (a TTY) through as lines", async () => {
    const src = new PassThrough();
    const lines = new BoundedLines(src, limit());
    src.end("plain\ntext");
    expect(await all(lines)).toEqual(["plain", "text"]);
  });

  it("fails with a sentence at the byte cap, destroys the stream, and keeps nothing more", async () => {
    const src = new PassThrough();
    const lines = new BoundedLines(src, limit({ maxBytes: 64 * 1024 }));
    const reading = all(lines);
    for (let i = 0; i < 100 && !src.destroyed; i++) src.write(frame(1, `${"x".repeat(1023)}\n`));
    const err = await reading.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputLimitError);
    expect((err as Error).message).toBe("pip printed more than 64 KiB; the package list was not read.");
    expect(src.destroyed).toBe(true);
    await expect(lines.done).rejects.toMatchObject({ passed: "bytes" });
  });

  it("fails at the deadline when the stream stays silent, and destroys it", async () => {
    const src = new PassThrough();
    const lines = new BoundedLines(src, limit({ deadlineMs: 200 }));
    src.write(frame(1, "one line\n"));
    const err = await all(lines).catch((e: unknown) => e);
    expect((err as Error).message).toBe("pip did not finish within 0.2 s; the package list was not read.");
    expect(src.destroyed).toBe(true);
  });

  it("in truncate mode keeps what came before the cap and ends with the truncation line", async () => {
    const src = new PassThrough();
    const cap = 10 * 1024;
    const lines = new BoundedLines(src, limit({ maxBytes: cap, truncate: true }));
    const reading = all(lines);
    for (let i = 0; i < 100 && !src.destroyed; i++) src.write(frame(1, `${String(i).padStart(4, "0")}${"y".repeat(1019)}\n`));
    const got = await reading;
    expect(got.at(-1)).toBe("[atrium] log truncated at 10 KiB");
    expect(got.at(-1)).toBe(truncationLine({ maxBytes: cap, deadlineMs: 0 }, "bytes"));
    expect(got[0]?.startsWith("0000")).toBe(true);
    // Whole lines before the cut (9 frames of 1031 bytes fit in 10 KiB), then a cut one.
    expect(got.slice(0, 9).every((l) => l.length === 1023)).toBe(true);
    expect(got.slice(0, -1).join("\n").length).toBeLessThanOrEqual(cap);
    expect(src.destroyed).toBe(true);
    await expect(lines.done).resolves.toBeUndefined();
  });

  it("in truncate mode says the deadline passed", async () => {
    const src = new PassThrough();
    const lines = new BoundedLines(src, limit({ deadlineMs: 150, truncate: true }));
    src.write("before\n");
    expect(await all(lines)).toEqual(["before", "[atrium] log truncated: not read within 0.2 s"]);
  });

  it("pauses the stream while a reader is behind, and resumes it as it catches up", async () => {
    const src = new PassThrough({ highWaterMark: 1024 });
    const lines = new BoundedLines(src, limit({ maxBytes: 64 * MIB }));
    const line = `${"z".repeat(64 * 1024 - 1)}\n`;
    const it = lines[Symbol.asyncIterator]();
    const first = it.next(); // a reader that takes one line, then falls behind
    let written = 0;
    // 8 MiB while the reader waits: the queue stops at its 1 MiB and the stream is paused.
    while (written < 8 * MIB && !src.isPaused()) {
      src.write(frame(1, line));
      written += line.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(src.isPaused()).toBe(true);
    src.end();
    expect((await first).done).toBe(false);
    let n = 1;
    while (!(await it.next()).done) n++;
    expect(n).toBe(written / line.length);
  }, 20_000);
  it("keeps every line that arrives before anybody reads (a log); drops the oldest only when told to (an exec's output)", async () => {
    const line = `${"q".repeat(16 * 1024 - 1)}\n`;
    const arrive = async (src: PassThrough) => {
      for (let i = 0; i < 256 && !src.isPaused(); i++) src.write(frame(1, `${i}:${line}`));
      await new Promise((r) => setImmediate(r));
      src.end();
    };
    const log = new PassThrough({ highWaterMark: 1024 });
    const logLines = new BoundedLines(log, limit({ maxBytes: 64 * MIB }));
    await arrive(log);
    const kept = await all(logLines);
    // 256 lines of 16 KiB (4 MiB) came while nobody read: the stream was paused, nothing was dropped.
    expect(kept[0]?.startsWith("0:")).toBe(true);
    const exec = new PassThrough();
    const execLines = new BoundedLines(exec, limit({ maxBytes: 64 * MIB }), undefined, "drop");
    for (let i = 0; i < 256; i++) exec.write(frame(1, `${i}:${line}`));
    exec.end();
    await execLines.done;
    const left = await all(execLines);
    expect(left.at(-1)?.startsWith("255:")).toBe(true);
    expect(left[0]?.startsWith("0:")).toBe(false);
  });
});

describe("readBounded", () => {
  it("returns the whole body under the cap", async () => {
    const src = new PassThrough();
    const reading = readBounded(src, limit());
    src.write("ab");
    src.end("cd");
    expect((await reading).toString()).toBe("abcd");
  });

  it("fails past the cap and destroys the stream", async () => {
    const src = new PassThrough();
    const reading = readBounded(src, limit({ maxBytes: 10, what: "The executed notebook", file: true, consequence: "it was not kept" }));
    src.write(Buffer.alloc(8));
    src.write(Buffer.alloc(8));
    await expect(reading).rejects.toThrow("The executed notebook is larger than 10 bytes; it was not kept.");
    expect(src.destroyed).toBe(true);
  });

  it("fails at the deadline", async () => {
    const src = new PassThrough();
    await expect(readBounded(src, limit({ deadlineMs: 100 }))).rejects.toMatchObject({ passed: "deadline" });
    expect(src.destroyed).toBe(true);
  });
});

describe("pipeBounded", () => {
  /** A source that makes `total` bytes 64 KiB at a time, only when asked, counting what it made. */
  const source = (total: number) => {
    const made = { bytes: 0 };
    const stream = new Readable({
      read() {
        if (made.bytes >= total) return void this.push(null);
        const n = Math.min(64 * 1024, total - made.bytes);
        made.bytes += n;
        this.push(Buffer.alloc(n, 0x61));
      },
    });
    return { stream, made };
  };
  /** A slow sink that notes how far the source ran ahead of it. */
  const sink = (made: { bytes: number }) => {
    const got = { bytes: 0, ahead: 0 };
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        got.bytes += chunk.length;
        got.ahead = Math.max(got.ahead, made.bytes - got.bytes);
        setImmediate(done);
      },
    });
    return { stream, got };
  };

  it("streams a large body into its sink with backpressure: the source never runs far ahead", async () => {
    const src = source(40 * MIB);
    const out = sink(src.made);
    await pipeBounded(src.stream, limit({ maxBytes: 64 * MIB }), [out.stream]);
    expect(out.got.bytes).toBe(40 * MIB);
    // A reader that collects the whole body (readBounded) would let it run 40 MiB ahead.
    expect(out.got.ahead).toBeLessThan(1 * MIB);
  });

  it("fails past the cap with the sentence and destroys every stream", async () => {
    const src = source(40 * MIB);
    const out = sink(src.made);
    const what = { maxBytes: 4 * MIB, what: "The executed notebook", file: true, consequence: "it was not kept" };
    await expect(pipeBounded(src.stream, limit(what), [out.stream])).rejects.toThrow(new OutputLimitError(limit(what), "bytes"));
    expect([src.stream.destroyed, out.stream.destroyed]).toEqual([true, true]);
    expect(out.got.bytes).toBeLessThanOrEqual(4 * MIB);
  });

  it("fails at the deadline when the source stays silent", async () => {
    const src = new PassThrough();
    await expect(pipeBounded(src, limit({ deadlineMs: 100 }), [new PassThrough().resume()])).rejects.toMatchObject({
      passed: "deadline",
    });
    expect(src.destroyed).toBe(true);
  });
});
