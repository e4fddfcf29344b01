/**
 * Keeps an upstream's secrets (Upstream.secrets, policy.ts) from reaching the browser. The case that
 * made it: the workspace token. Jupyter puts its token into every HTML page
 * it renders for a token-authenticated request (notebook 6: `data-jupyter-api-token="..."` and
 * `tree?token=...` links; JupyterLab: `"token"` in the page config, which its client then sends back
 * as `Authorization: token ...`, a header the portal would refuse). So:
 * - response headers whose value holds the token are dropped, as are portal cookies an upstream
 *   tries to set (a workspace must not be able to sign a visitor into the portal as someone else);
 * - HTML bodies are streamed through a scrubber that removes the token (no buffering beyond a tail
 *   the length of the token), decompressed first when the workspace compressed them.
 */
import type { IncomingHttpHeaders } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { isPortalCookie } from "./headers";

/** The forms the token can take in a response: as is and URL-encoded. */
export function secretForms(token: string): string[] {
  const encoded = encodeURIComponent(token);
  return encoded === token ? [token] : [token, encoded];
}

function containsSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => value.includes(s));
}

function setCookieName(value: string): string {
  const eq = value.indexOf("=");
  const semi = value.indexOf(";");
  const end = eq === -1 ? (semi === -1 ? value.length : semi) : eq;
  return value.slice(0, end).trim();
}

/** Removes, in place, every header that carries a secret and every Set-Cookie for a portal cookie. */
export function scrubHeaders(headers: IncomingHttpHeaders, secrets: readonly string[]): void {
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value === undefined) continue;
    if (key === "set-cookie") {
      const list = Array.isArray(value) ? value : [value];
      const kept = list.filter((c) => {
        const name = setCookieName(c);
        // A nameless cookie goes back as its bare value ("authjs.session-token=x" when set as
        // "=authjs.session-token=x"), so it could pose as any cookie: none pass.
        return name !== "" && !isPortalCookie(name) && !containsSecret(c, secrets);
      });
      if (kept.length) headers["set-cookie"] = kept;
      else delete headers["set-cookie"];
      continue;
    }
    const text = Array.isArray(value) ? value.join("\n") : value;
    if (containsSecret(text, secrets) || containsSecret(key, secrets)) delete headers[key];
  }
}

/** Removes every occurrence of the secrets from a byte stream, chunk boundaries included. */
export class SecretScrubber extends Transform {
  private readonly needles: Buffer[];
  private readonly keep: number;
  private tail: Buffer = Buffer.alloc(0);

  constructor(secrets: readonly string[]) {
    super();
    this.needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s, "utf8"));
    this.keep = Math.max(0, ...this.needles.map((n) => n.length - 1));
  }

  private strip(buf: Buffer): Buffer {
    let out: Buffer[] | undefined;
    let from = 0;
    for (;;) {
      let at = -1;
      let len = 0;
      for (const n of this.needles) {
        const i = buf.indexOf(n, from);
        if (i !== -1 && (at === -1 || i < at)) {
          at = i;
          len = n.length;
        }
      }
      if (at === -1) break;
      (out ??= []).push(buf.subarray(from, at));
      from = at + len;
    }
    if (!out) return buf;
    out.push(buf.subarray(from));
    return Buffer.concat(out);
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const buf = this.strip(this.tail.length ? Buffer.concat([this.tail, data]) : data);
    // A secret may start in the last bytes and end in the next chunk: hold those bytes back.
    const cut = Math.max(0, buf.length - this.keep);
    this.tail = Buffer.from(buf.subarray(cut));
    if (cut > 0) this.push(buf.subarray(0, cut));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.tail.length) this.push(this.tail);
    this.tail = Buffer.alloc(0);
    cb();
  }
}

/** Content types a workspace renders its token into. */
export function isHtml(contentType: string | string[] | undefined): boolean {
  const value = (Array.isArray(contentType) ? contentType[0] : contentType)?.toLowerCase() ?? "";
  return value.startsWith("text/html") || value.startsWith("application/xhtml+xml");
}

/**
 * A decoder for a Content-Encoding, null for none, "unsupported" when the body cannot be read
 * (then it cannot be checked and must not be passed on).
 */
export function decoderFor(encoding: string | undefined): Transform | null | "unsupported" {
  const e = (encoding ?? "").trim().toLowerCase();
  if (e === "" || e === "identity") return null;
  if (e === "gzip" || e === "x-gzip") return createGunzip();
  if (e === "deflate") return createInflate();
  if (e === "br") return createBrotliDecompress();
  return "unsupported";
}
