import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { recordUsageSample } from "./sample";

/**
 * Records a usage sample every ATRIUM_USAGE_SAMPLE_S (the first one at once). Started from server.ts next to the
 * workspace loops; returns a function that stops it.
 */
export function startUsageLoop(intervalMs = getConfig().usageSampleMs): () => void {
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
