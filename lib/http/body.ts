/**
 * Reading a request body with a byte cap, chunk by chunk: the read stops (and the rest is never pulled
 * off the socket) as soon as the cap is passed, so a large body costs at most the cap in memory. Both
 * the portal's JSON API (parse.ts) and the MLflow API (lib/tracking/http/read-request.ts) read their bodies here.
 */

/** The cap on a portal JSON body: the largest real ones (an environment, a user's limits) are a few KiB. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Thrown when a body is larger than the cap; callers turn it into a 413 in their own error format. */
export class BodyTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than the ${formatLimit(limitBytes)} limit.`);
    this.name = "BodyTooLarge";
  }
}

function formatLimit(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes}-byte`;
}

/** The declared length when the client sent a well-formed Content-Length, else undefined. */
export function declaredLength(req: Request): number | undefined {
  const raw = req.headers.get("content-length");
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** The body's bytes, at most `limitBytes`; a Content-Length over the cap is refused before anything is read. */
export async function readBodyBytes(req: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limitBytes) {
    await req.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(limitBytes);
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      // Cancelling tells the server to stop reading the socket; what was read so far is dropped with `chunks`.
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The body as UTF-8 text, at most `limitBytes` bytes (invalid sequences become U+FFFD, as `Request.text()`). */
export async function readBodyText(req: Request, limitBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(req, limitBytes));
}
