/**
 * Reading what a process in a container wrote: Docker's multiplexed stream (8-byte frame headers:
 * stream type, 3 zero bytes, uint32 BE length) as whole lines, for exec output and log tails.
 */
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { MIB } from "./container-spec";

/** Splits a non-TTY log buffer into stdout and stderr text; a buffer that is not multiplexed is stdout. */
export function demuxBuffer(buf: Buffer): { out: string; err: string } {
  let out = "";
  let err = "";
  let off = 0;
  while (off + 8 <= buf.length) {
    const type = buf[off];
    if (type !== 0 && type !== 1 && type !== 2) return { out: out + buf.subarray(off).toString("utf8"), err };
    const len = buf.readUInt32BE(off + 4);
    const text = buf.subarray(off + 8, off + 8 + len).toString("utf8");
    if (type === 2) err += text;
    else out += text;
    off += 8 + len;
  }
  return { out, err };
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * The last line a container wrote, for a failure reason. stderr is preferred: it is where an error
 * (a Python traceback's last line, Jupyter's own log) goes, and the engine does not keep the relative
 * order of lines written to stdout and stderr at nearly the same moment.
 */
export function lastLogLine(buf: Buffer | string): string | undefined {
  const { out, err } = Buffer.isBuffer(buf) ? demuxBuffer(buf) : { out: String(buf), err: "" };
  const last = (text: string) =>
    text
      .replace(ANSI_RE, "")
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
  return last(err) ?? last(out);
}

const MAX_BUFFERED_BYTES = 4 * MIB;
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Reads an exec's hijacked socket: demultiplexes the frames, decodes UTF-8 per stream, and queues
 * complete lines. The socket is read at once (so the exit code arrives even if nobody reads the
 * output); while an iterator is reading, a full queue pauses the socket (backpressure); before
 * anybody reads, a full queue drops its oldest lines. Closing the iterator early discards the rest.
 */
export class ExecLines implements AsyncIterable<string> {
  private lines: string[] = [];
  private bytes = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private iterating = false;
  private discarding = false;
  private raw = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
  private readonly partial = { out: "", err: "" };
  readonly done: Promise<void>;

  constructor(
    private readonly sock: Duplex,
    translate: (err: unknown) => Error,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        this.flush();
        this.ended = true;
        if (err !== undefined) this.error = translate(err);
        this.notify();
        if (this.error) reject(this.error);
        else resolve();
      };
      sock.on("data", (chunk: Buffer) => this.onData(chunk));
      sock.on("end", () => finish());
      sock.on("close", () => finish());
      sock.on("error", (err) => finish(err));
    });
    // The caller may never await exitCode; a rejection must not become an unhandled one.
    this.done.catch(() => undefined);
  }

  private onData(chunk: Buffer): void {
    if (this.raw) return this.feed("out", chunk);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed (a TTY exec): pass everything through as stdout.
        this.raw = true;
        const rest = this.pending;
        this.pending = Buffer.alloc(0);
        return this.feed("out", rest);
      }
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) break;
      const payload = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len);
      this.feed(type === 2 ? "err" : "out", payload);
    }
  }

  private feed(stream: "out" | "err", payload: Buffer): void {
    let text = this.partial[stream] + this.decoders[stream].write(payload);
    let nl: number;
    while ((nl = text.indexOf("\n")) >= 0) {
      this.push(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      this.push(text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    this.partial[stream] = text;
  }

  private flush(): void {
    for (const stream of ["out", "err"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = "";
      if (rest) this.push(rest);
    }
  }

  private push(line: string): void {
    if (this.discarding) return;
    const clean = line.endsWith("\r") ? line.slice(0, -1) : line;
    this.lines.push(clean);
    this.bytes += clean.length;
    if (this.bytes > MAX_BUFFERED_BYTES) {
      if (this.iterating) this.sock.pause();
      else
        while (this.bytes > MAX_BUFFERED_BYTES / 2 && this.lines.length > 1) {
          this.bytes -= (this.lines.shift() ?? "").length;
        }
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    if (this.iterating) throw new Error("The output of an exec can be read only once.");
    this.iterating = true;
    try {
      for (;;) {
        const line = this.lines.shift();
        if (line !== undefined) {
          this.bytes -= line.length;
          if (this.bytes <= MAX_BUFFERED_BYTES / 2 && this.sock.isPaused()) this.sock.resume();
          yield line;
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Whether it ended or the reader stopped early: drop what is left, keep draining for the exit code.
      this.discarding = true;
      this.lines = [];
      this.bytes = 0;
      if (this.sock.isPaused()) this.sock.resume();
    }
  }
}
