import { describe, expect, it } from "vitest";
import { BodyTooLarge, readBodyBytes, readBodyText } from "./body";

const KIB = 1024;

/** A body that never ends on its own: it counts what was pulled and whether the reader cancelled it. */
function endlessBody(chunkBytes: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulled += chunkBytes;
        controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("http://atrium.test/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("readBodyBytes", () => {
  it("reads a body up to the cap exactly, in several chunks", async () => {
    const chunks = ["ab", "cd", "ef"].map((s) => new TextEncoder().encode(s));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    });
    expect(new TextDecoder().decode(await readBodyBytes(post(stream), 6))).toBe("abcdef");
  });

  it("stops an endless body just past the cap and cancels the rest", async () => {
    const { stream, seen } = endlessBody(64 * KIB);
    const err = await readBodyBytes(post(stream), 256 * KIB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLarge);
    expect((err as BodyTooLarge).message).toBe("The request body is larger than the 262144-byte limit.");
    // Five chunks pass 256 KiB; nothing more is pulled after that.
    expect(seen.pulled).toBeLessThanOrEqual(6 * 64 * KIB);
    expect(seen.cancelled).toBe(true);
  });

  it("refuses a Content-Length over the cap before reading a byte", async () => {
    const { stream, seen } = endlessBody(KIB);
    const err = await readBodyBytes(post(stream, { "content-length": String(2 * 1024 * KIB) }), 1024 * KIB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLarge);
    expect((err as BodyTooLarge).message).toBe("The request body is larger than the 1 MiB limit.");
    expect(seen.pulled).toBe(0);
  });

  it("counts bytes, not characters: 2-byte characters pass the cap at half the characters", async () => {
    const text = "é".repeat(600);
    await expect(readBodyText(post(text), 1000)).rejects.toBeInstanceOf(BodyTooLarge);
    expect(await readBodyText(post("é".repeat(500)), 1000)).toBe("é".repeat(500));
  });

  it("reads an absent body as empty", async () => {
    expect((await readBodyBytes(new Request("http://atrium.test/x"), 10)).byteLength).toBe(0);
  });
});
