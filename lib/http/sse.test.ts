/**
 * Server-Sent Events are pulled: the source advances only as the client reads, so a slow client
 * holds back a container's log (which then pauses) instead of the portal queueing it.
 */
import { describe, expect, it } from "vitest";
import { sseResponse } from "./sse";

describe("sseResponse", () => {
  it("takes the next event only when the client has read the previous ones, and ends the source when the client goes", async () => {
    let produced = 0;
    let ended = false;
    async function* events() {
      try {
        for (let i = 0; i < 10_000; i++) {
          produced++;
          yield { line: `line ${i}` };
        }
      } finally {
        ended = true;
      }
    }
    const body = sseResponse(events(), new AbortController()).body;
    const reader = body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toBe('data: {"line":"line 0"}\n\n');
    await new Promise((r) => setTimeout(r, 100));
    // A client that read one event has let the source run at most a few ahead, not all 10,000.
    expect(produced).toBeLessThan(5);
    await reader?.cancel();
    expect(ended).toBe(true);
  });

  it("ends the stream when the source ends or fails", async () => {
    async function* failing() {
      yield { n: 1 };
      throw new Error("gone");
    }
    const text = await new Response(sseResponse(failing(), new AbortController()).body).text();
    expect(text).toBe('data: {"n":1}\n\n');
  });
});
