import { ConfigError } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { recordUsageSample } from "./sample";

/** ATRIUM_USAGE_SAMPLE_S: seconds between samples (default 60; tests use a few seconds). */
export function usageIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ATRIUM_USAGE_SAMPLE_S?.trim();
  if (!raw) return 60_000;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 1 || s > 3600)
    throw new ConfigError("ATRIUM_USAGE_SAMPLE_S is invalid: it must be a whole number of seconds from 1 to 3600.");
  return s * 1000;
}

/**
 * Records a usage sample every minute (the first one at once). Started from server.ts next to the
 * workspace loops; returns a function that stops it.
 */
export function startUsageLoop(intervalMs = usageIntervalMs()): () => void {
  let running = false;
  const tick = async () => {
    if (running) return; // a slow engine must not pile up samplers
    running = true;
    try {
      await recordUsageSample(await getDb(), getSpawner());
    } catch (err) {
      console.error("[atrium] usage sample failed:", err);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
