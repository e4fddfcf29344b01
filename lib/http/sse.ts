/**
 * Streams events as Server-Sent Events, with a comment every 15 s so proxies keep the line open.
 * The next event is taken only when the client has read the previous ones (pull), so a slow client
 * slows the source (a container's log pauses: lib/spawner/bounded-output.ts) instead of the portal
 * queueing for it.
 */
export function sseResponse<T>(events: AsyncIterable<T>, abort: AbortController): Response {
  const encoder = new TextEncoder();
  const source = events[Symbol.asyncIterator]();
  let keepalive: NodeJS.Timeout | undefined;
  let closed = false;
  const close = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    controller.close();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      keepalive = setInterval(() => controller.enqueue(encoder.encode(": keepalive\n\n")), 15_000);
    },
    async pull(controller) {
      try {
        const next = await source.next();
        if (next.done) close(controller);
        else if (!closed) controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (err) {
        console.error("[atrium] event stream failed:", err);
        close(controller);
      }
    },
    async cancel() {
      closed = true;
      clearInterval(keepalive);
      abort.abort();
      await source.return?.();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
