import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { startLoop } from "@/lib/util/loop";
import { recordUsageSample } from "./sample";

/** Records a usage sample every ATRIUM_USAGE_SAMPLE_S (the first one at once); returns its stop. */
export function startUsageLoop(intervalMs = getConfig().usageSampleMs): () => void {
  return startLoop("usage sample", intervalMs, async () => recordUsageSample(await getDb(), getSpawner()));
}
