/**
 * How much a piece of work grows this process's resident memory at its peak, for tests that hold
 * the portal to a memory bound (README, "Security": bounded container output). RSS is sampled
 * while the work runs, so memory freed again before it ends still counts; the collector runs
 * first so that the baseline holds no garbage.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

export async function peakRssGrowth<T>(work: () => Promise<T>, sampleMs = 20): Promise<{ result: T; growth: number; samples: number }> {
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  let samples = 0;
  const timer = setInterval(() => {
    samples++;
    peak = Math.max(peak, process.memoryUsage.rss());
  }, sampleMs);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - base, samples };
  } finally {
    clearInterval(timer);
  }
}
