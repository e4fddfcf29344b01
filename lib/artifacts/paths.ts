/**
 * Artifact paths as the MLflow client sends them (`<experiment>/<run>/artifacts/<file...>`), checked before
 * anything touches storage. Every segment is checked after percent-decoding, so `%2e%2e`, `%2f` and `%5c`
 * are caught as `..`, `/` and `\`.
 */

export class UnsafeArtifactPath extends Error {
  constructor(
    readonly path: string,
    message = `The artifact path "${path}" is not a plain relative path inside a run's artifacts.`,
  ) {
    super(message);
    this.name = "UnsafeArtifactPath";
  }
}

/** File systems refuse longer names (ENAMETOOLONG); S3 keys stop at 1024 bytes, so whole paths do too. */
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

const bytesOf = (s: string) => Buffer.byteLength(s, "utf8");

/** A segment that names a file or folder and nothing else: no separators, no dot-segments, no control characters. */
function isSafeSegment(segment: string): boolean {
  if (segment === "" || segment === "." || segment === "..") return false;
  if (segment.includes("/") || segment.includes("\\")) return false;
  // NUL and other control characters end or confuse file names on some systems.
  for (const ch of segment) if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) return false;
  // "C:" would be a drive on Windows; refused so paths mean the same on every backend.
  if (/^[A-Za-z]:$/.test(segment)) return false;
  return true;
}

function checked(segments: string[], original: string): string[] {
  if (!segments.every(isSafeSegment)) throw new UnsafeArtifactPath(original);
  const long = segments.find((s) => bytesOf(s) > MAX_SEGMENT_BYTES);
  if (long !== undefined) {
    throw new UnsafeArtifactPath(
      original,
      `The artifact path has a name of ${bytesOf(long)} bytes; each file or folder name may have at most ${MAX_SEGMENT_BYTES}.`,
    );
  }
  const total = bytesOf(segments.join("/"));
  if (total > MAX_PATH_BYTES)
    throw new UnsafeArtifactPath(original, `The artifact path has ${total} bytes; it may have at most ${MAX_PATH_BYTES}.`);
  return segments;
}

/**
 * The segments of a URL path tail (still percent-encoded, e.g. from `request.url`), decoded one by one.
 * An empty tail is the root (no segments); a leading slash or an empty segment is refused.
 */
export function segmentsFromUrlTail(encodedTail: string): string[] {
  if (encodedTail === "") return [];
  const decoded = encodedTail.split("/").map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new UnsafeArtifactPath(encodedTail);
    }
  });
  return checked(decoded, safeForMessage(encodedTail));
}

/** The segments of an already-decoded path such as `?path=1/abc/artifacts/model`; one trailing slash is allowed. */
export function segmentsFromPath(path: string): string[] {
  if (path === "") return [];
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  return checked(trimmed.split("/"), safeForMessage(path));
}

/** Error messages quote the path; control characters in it are shown escaped. */
function safeForMessage(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).slice(0, 300);
}
