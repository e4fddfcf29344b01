/**
 * A streaming tar (POSIX ustar, with a pax `path` record for names ustar cannot hold) of regular files and
 * folders only: what a serving bundle needs (lib/serving/bundle.ts) and what Python's `tarfile` unpacks with
 * its "data" filter. Sizes must be known up front, as tar writes them before the bytes.
 */

const BLOCK = 512;
/** ustar's size field: 11 octal digits. */
export const TAR_MAX_FILE_BYTES = 8 ** 11 - 1;

export type TarEntry =
  | { kind: "dir"; path: string }
  | { kind: "file"; path: string; size: number; body: () => Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>> };

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, size: number, type: "0" | "5" | "x", mode: number): Uint8Array {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(0, 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(type, 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

const padding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/** A pax extended header carrying the full path, for names longer than ustar's 100 bytes or not ASCII. */
function paxPath(path: string): Uint8Array[] {
  const body = (len: number) => `${len} path=${path}\n`;
  let len = Buffer.byteLength(body(0));
  while (Buffer.byteLength(body(len)) !== len) len = Buffer.byteLength(body(len));
  const record = Buffer.from(body(len), "utf8");
  return [header("././@PaxHeader", record.length, "x", 0o644), record, padding(record.length)];
}

function entryHeader(path: string, size: number, dir: boolean): Uint8Array[] {
  const name = dir ? `${path}/` : path;
  const plain = Buffer.byteLength(name) <= 100 && /^[\x20-\x7e]*$/.test(name);
  const short = plain ? name : name.slice(0, 50).replace(/[^\x20-\x7e]/g, "_");
  return [...(plain ? [] : paxPath(name)), header(short, size, dir ? "5" : "0", dir ? 0o755 : 0o644)];
}

/**
 * The tar of `entries`, in order. A file whose body yields more or fewer bytes than its declared size ends the
 * stream with an error rather than a tar whose headers lie.
 */
export async function* tarStream(entries: AsyncIterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    if (entry.kind === "dir") {
      yield* entryHeader(entry.path, 0, true);
      continue;
    }
    if (entry.size > TAR_MAX_FILE_BYTES) throw new Error(`${entry.path} has ${entry.size} bytes, more than a tar entry can hold.`);
    yield* entryHeader(entry.path, entry.size, false);
    let seen = 0;
    for await (const chunk of await entry.body()) {
      seen += chunk.byteLength;
      if (seen > entry.size) throw new Error(`${entry.path} grew while the bundle was written (more than ${entry.size} bytes).`);
      yield chunk;
    }
    if (seen !== entry.size) throw new Error(`${entry.path} changed while the bundle was written (${seen} of ${entry.size} bytes).`);
    yield padding(entry.size);
  }
  yield new Uint8Array(BLOCK * 2);
}
