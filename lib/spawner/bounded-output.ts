/**
 * The one way bytes from a container enter the portal (README, "Security"; docs/architecture.md §7):
 * exec output, container and service logs, files copied out of a container. Every read names a
 * byte cap and a deadline (an OutputLimit). Passing either ends the read at once and destroys the
 * engine stream, so nothing keeps buffering behind it, and then either fails with an
 * OutputLimitError (a sentence a route turns into a 502) or, for logs that are kept, ends the lines
 * with "[atrium] log truncated at N MiB".
 *
 * Counted are the bytes the engine sends (Docker's 8-byte frame headers included): that is what
 * the portal has to hold, whatever the process wrote.
 */
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";

const MIB = 1024 * 1024;
/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface OutputLimit {
  /** Bytes read from the engine before the read ends. */
  maxBytes: number;
  /** Milliseconds from the start of the read. */
  deadlineMs: number;
  /** Who wrote, as the sentence names it: "pip", "The command"; or the file read: "The executed notebook". */
  what: string;
  /** A file is "larger than" the cap; output (the default) is "printed". */
  file?: boolean;
  /** What the person loses when the limit is passed: "the package list was not read". */
  consequence: string;
  /** Keep what came before the limit and end with a truncation line instead of failing (logs). */
  truncate?: boolean;
}

export type LimitPassed = "bytes" | "deadline";

function sizeText(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= MIB) return `${Math.round((bytes / MIB) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

function secondsText(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** A read from a container passed its byte cap or its deadline; `message` is a sentence for the person. */
export class OutputLimitError extends Error {
  override name = "OutputLimitError";
  constructor(
    readonly limit: OutputLimit,
    readonly passed: LimitPassed,
  ) {
    const size = sizeText(limit.maxBytes);
    const time = secondsText(limit.deadlineMs);
    const what =
      passed === "bytes"
        ? `${limit.what} ${limit.file ? "is larger than" : "printed more than"} ${size}`
        : `${limit.what} ${limit.file ? "could not be read" : "did not finish"} within ${time}`;
    super(`${what}; ${limit.consequence}.`);
  }
}

/** The last line of a log kept up to its limit. */
export function truncationLine(limit: Pick<OutputLimit, "maxBytes" | "deadlineMs">, passed: LimitPassed): string {
  return passed === "bytes"
    ? `[atrium] log truncated at ${sizeText(limit.maxBytes)}`
    : `[atrium] log truncated: not read within ${secondsText(limit.deadlineMs)}`;
}

/** What a reader needs of an engine stream (a hijacked exec socket, an HTTP response body). */
export type EngineStream = Pick<Readable, "on" | "pause" | "resume" | "isPaused" | "destroy">;

const identity = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The whole body of a stream (a tar, a log tail), or an OutputLimitError once it passes the cap or
 * the deadline; the stream is destroyed then.
 */
export function readBounded(source: EngineStream, limit: OutputLimit, translate: (err: unknown) => Error = identity): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let read = 0;
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        chunks.length = 0;
        source.destroy();
        reject(err);
      } else resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => settle(new OutputLimitError(limit, "deadline")), Math.min(limit.deadlineMs, MAX_TIMER_MS));
    source.on("data", (chunk: Buffer | string) => {
      if (settled) return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      read += buf.length;
      if (read > limit.maxBytes) return settle(new OutputLimitError(limit, "bytes"));
      chunks.push(buf);
    });
    source.on("end", () => settle());
    source.on("close", () => settle());
    source.on("error", (err: unknown) => settle(err instanceof OutputLimitError ? err : translate(err)));
  });
}

/**
 * Streams `source` through `stages` into their last one (a file), never holding more than the
 * streams' own buffers: passing the cap or the deadline destroys every stream and rejects with the
 * OutputLimitError (what the last stage got stays; the caller removes it). For files copied out of
 * a container (container-output.ts), where readBounded would hold the whole file.
 */
export async function pipeBounded(
  source: Readable,
  limit: OutputLimit,
  stages: [...Transform[], Writable],
  translate: (err: unknown) => Error = identity,
): Promise<void> {
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      done(read > limit.maxBytes ? new OutputLimitError(limit, "bytes") : null, chunk);
    },
  });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new OutputLimitError(limit, "deadline")), Math.min(limit.deadlineMs, MAX_TIMER_MS));
  try {
    await pipeline([source, counter, ...stages], { signal: deadline.signal });
  } catch (err) {
    if (deadline.signal.aborted) throw deadline.signal.reason as OutputLimitError;
    throw err instanceof OutputLimitError ? err : translate(err);
  } finally {
    clearTimeout(timer);
  }
}

/** How many bytes of lines may wait for a slow reader before the engine stream is paused. */
const MAX_QUEUED_BYTES = 1 * MIB;
/** A longer line is cut into pieces of this many characters. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * What a process wrote, as whole lines: Docker's multiplexed stream (8-byte frame headers: stream
 * type, 3 zero bytes, uint32 BE length) demultiplexed, or a raw stream (a TTY) passed through;
 * UTF-8 decoded per stream. A full queue pauses the stream (backpressure) while an iterator reads,
 * and before anybody reads unless `unread` is "drop": then the oldest lines go, so that an exec's
 * exit code arrives even when nobody reads its output. Closing the iterator early discards the
 * rest. `done` settles when the stream ends, or with the OutputLimitError of a passed limit.
 */
export class BoundedLines implements AsyncIterable<string> {
  private lines: string[] = [];
  private queued = 0;
  private read = 0;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private iterating = false;
  private discarding = false;
  private raw = false;
  private pending: Buffer = Buffer.alloc(0);
  private readonly decoders = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
  private readonly partial = { out: "", err: "" };
  private readonly timer: NodeJS.Timeout;
  private finish: (err?: unknown) => void = () => undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly source: EngineStream,
    private readonly limit: OutputLimit,
    translate: (err: unknown) => Error = identity,
    private readonly unread: "pause" | "drop" = "pause",
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = (err?: unknown) => {
        if (this.ended) return;
        clearTimeout(this.timer);
        this.flush();
        this.ended = true;
        if (err !== undefined) this.error = err instanceof OutputLimitError ? err : translate(err);
        this.notify();
        if (this.error) reject(this.error);
        else resolve();
      };
    });
    // The caller may never await it; a rejection must not become an unhandled one.
    this.done.catch(() => undefined);
    this.timer = setTimeout(() => this.passed("deadline"), Math.min(limit.deadlineMs, MAX_TIMER_MS));
    source.on("data", (chunk: Buffer | string) => this.onData(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    source.on("end", () => this.finish());
    source.on("close", () => this.finish());
    source.on("error", (err: unknown) => this.finish(err));
  }

  /** Ends the read at a limit: a truncation line, or the error; the engine stream is dropped either way. */
  private passed(which: LimitPassed): void {
    if (this.ended) return;
    if (this.limit.truncate) {
      this.flush();
      this.push(truncationLine(this.limit, which));
      this.finish();
    } else this.finish(new OutputLimitError(this.limit, which));
    this.source.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    const room = this.limit.maxBytes - this.read;
    this.read += chunk.length;
    if (chunk.length <= room) return this.demux(chunk);
    if (this.limit.truncate && room > 0) this.demux(chunk.subarray(0, room));
    this.passed("bytes");
  }

  private demux(chunk: Buffer): void {
    if (this.raw) return this.feed("out", chunk);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed (a TTY): everything is stdout.
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
    // Fewer than 8 bytes of a stream that is not multiplexed were waiting for a frame header.
    const first = this.pending[0];
    if (first !== undefined && first !== 0 && first !== 1 && first !== 2) this.feed("out", this.pending);
    this.pending = Buffer.alloc(0);
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
    this.queued += clean.length;
    if (this.queued > MAX_QUEUED_BYTES) {
      if (this.iterating || this.unread === "pause") this.source.pause();
      else
        while (this.queued > MAX_QUEUED_BYTES / 2 && this.lines.length > 1) {
          this.queued -= (this.lines.shift() ?? "").length;
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
    if (this.iterating) throw new Error("The output of a container can be read only once.");
    this.iterating = true;
    try {
      for (;;) {
        const line = this.lines.shift();
        if (line !== undefined) {
          this.queued -= line.length;
          if (this.queued <= MAX_QUEUED_BYTES / 2 && this.source.isPaused()) this.source.resume();
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
      this.queued = 0;
      if (this.source.isPaused()) this.source.resume();
    }
  }
}

/** Used where a caller names none: every exec still has a cap and a deadline. */
export const DEFAULT_EXEC_LIMIT: OutputLimit = {
  maxBytes: 8 * MIB,
  deadlineMs: 10 * 60_000,
  what: "The command",
  consequence: "its output was not read",
};

/** The last lines of a log, for a failure reason: the engine's tail of 20 lines, which it splits at 16 KiB. */
export const LOG_TAIL_LIMIT: OutputLimit = {
  maxBytes: 1 * MIB,
  deadlineMs: 10_000,
  what: "The container's last log lines",
  consequence: "they were not read",
};
