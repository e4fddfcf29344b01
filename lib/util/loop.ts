/**
 * Runs `tick` at once and then every `intervalMs`, never two at a time (a slow engine must not pile
 * up ticks); a failed tick is logged as "`what` failed" and the next one runs on time. The leader's
 * background loops (server.ts) use it; returns a function that stops it.
 */
export function startLoop(what: string, intervalMs: number, tick: () => Promise<unknown>): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await tick();
    } catch (err) {
      console.error(`[atrium] ${what} failed:`, err);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
