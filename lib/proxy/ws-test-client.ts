/**
 * A minimal WebSocket client for tests (RFC 6455, no extensions): Node 20 has no WebSocket client
 * without a flag, and a browser-style one could not send an Authorization header anyway.
 * Text and binary messages, fragmentation, ping/pong and close; client frames are masked.
 */
import { createHash, randomBytes } from "node:crypto";
import { request, type IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export type OpenResult =
  | { upgraded: true; status: 101; headers: IncomingHttpHeaders; ws: TestWebSocket }
  | { upgraded: false; status: number; headers: IncomingHttpHeaders; body: string };

export class TestWebSocket {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private readonly queue: string[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => {
      this.closed = true;
      this.wakeAll();
    });
    socket.on("error", () => undefined);
    if (head.length) this.onData(head);
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0] ?? 0;
      const b1 = this.buf[1] ?? 0;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskLen = masked ? 4 : 0;
      if (this.buf.length < off + maskLen + len) return;
      const mask = masked ? this.buf.subarray(off, off + 4) : undefined;
      const payload = Buffer.from(this.buf.subarray(off + maskLen, off + maskLen + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
      this.buf = this.buf.subarray(off + maskLen + len);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x9) return this.write(0xa, payload); // ping -> pong
    if (opcode === 0xa) return;
    if (opcode === 0x8) {
      this.socket.end();
      return;
    }
    if (opcode !== 0) {
      this.fragmentOpcode = opcode;
      this.fragments = [];
    }
    this.fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(this.fragments);
    this.fragments = [];
    // Binary messages are kept as latin1 text; tests only look at text ones.
    this.queue.push(message.toString(this.fragmentOpcode === 0x1 ? "utf8" : "latin1"));
    this.wakeAll();
  }

  private write(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const header = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (len < 126) header[1] = 0x80 | len;
    else if (len < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(len, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    const mask = randomBytes(4);
    const body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    this.socket.write(Buffer.concat([header, mask, body]));
  }

  send(text: string): void {
    this.write(0x1, Buffer.from(text, "utf8"));
  }

  /** The next message, or null once the connection is closed and nothing is left. */
  async next(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m !== undefined) return m;
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no WebSocket message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      this.write(0x8, Buffer.from([0x03, 0xe8]));
    } catch {
      // already gone
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }
}

/** Opens ws://... (given as http://...) with extra headers; resolves on the 101 or on any other answer. */
export function openWebSocket(url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<OpenResult> {
  const key = randomBytes(16).toString("base64");
  const u = new URL(url);
  return new Promise<OpenResult>((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
        ...headers,
      },
      timeout: timeoutMs,
    });
    req.on("timeout", () => req.destroy(new Error(`no answer to the WebSocket handshake within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.on("upgrade", (res, socket, head) => {
      const expected = createHash("sha1")
        .update(key + GUID)
        .digest("base64");
      if (res.headers["sec-websocket-accept"] !== expected) {
        socket.destroy();
        reject(new Error("bad Sec-WebSocket-Accept"));
        return;
      }
      socket.setTimeout(0);
      resolve({ upgraded: true, status: 101, headers: res.headers, ws: new TestWebSocket(socket, head) });
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.end();
  });
}
