/**
 * Reports workspace activity at most once per interval per (user, server), so the proxy can call it
 * on every request and WebSocket frame without flooding the idle-culling bookkeeping behind it.
 */
export type ActivityReporter = (user: string, server: string) => void;

const MAX_TRACKED = 10_000;

export function throttleActivity(report: ActivityReporter | undefined, intervalMs: number): ActivityReporter {
  if (!report) return () => {};
  const last = new Map<string, number>();
  return (user, server) => {
    const key = `${user}/${server}`;
    const now = performance.now();
    const prev = last.get(key);
    if (prev !== undefined && now - prev < intervalMs) return;
    if (prev === undefined && last.size >= MAX_TRACKED) {
      for (const [k, t] of last) if (now - t >= intervalMs) last.delete(k);
      if (last.size >= MAX_TRACKED) last.clear();
    }
    last.set(key, now);
    const failed = (err: unknown) => console.warn(`[atrium] proxy: activity report for ${key} failed:`, err);
    try {
      // Typed void, but an async reporter's rejection must not become an unhandled one.
      const result: unknown = report(user, server);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}
