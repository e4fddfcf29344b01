/**
 * Docker's multiplexed output (8-byte frame headers: stream type, 3 zero bytes, uint32 BE length)
 * once it has been read whole through bounded-output.ts: split into stdout and stderr, and the last
 * line for a failure reason. Streams are read as lines by BoundedLines there.
 */

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
