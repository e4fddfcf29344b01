/** Streams events as Server-Sent Events, with a comment every 15 s so proxies keep the line open. */
export function sseResponse<T>(events: AsyncIterable<T>, abort: AbortController): Response {
  const encoder = new TextEncoder();
  let keepalive: NodeJS.Timeout | undefined;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      keepalive = setInterval(() => controller.enqueue(encoder.encode(": keepalive\n\n")), 15_000);
      try {
        for await (const e of events) controller.enqueue(encoder.encode(`data: ${JSON.stringify(e)}\n\n`));
      } catch (err) {
        console.error("[atrium] event stream failed:", err);
      } finally {
        clearInterval(keepalive);
        controller.close();
      }
    },
    cancel() {
      clearInterval(keepalive);
      abort.abort();
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
