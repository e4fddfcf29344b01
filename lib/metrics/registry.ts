/** The process's metrics (lib/runtime/context.ts): a counter bumped by a route and one bumped by the proxy are one object. */
import { partKey, runtime } from "@/lib/runtime/context";
import { getDb } from "@/lib/runtime/db";
import { createMetrics, type AtriumMetrics } from "./create";

const METRICS = partKey<AtriumMetrics>("metrics");

export function metrics(): AtriumMetrics {
  return runtime.part(METRICS, () => createMetrics(getDb));
}

/** Bounded label values for spawn failures, from the sentence stored as the server's reason. */
export function spawnFailureReason(reason: string): string {
  const r = reason.toLowerCase();
  if (r.includes("out of memory")) return "oom";
  if (r.includes("did not answer within")) return "timeout";
  if (r.includes("engine could not be reached") || r.includes("engine_unavailable")) return "engine_unavailable";
  if (r.includes("image") && /missing|not found|absent|not on the engine/.test(r)) return "image_missing";
  if (r.includes("exited") || r.includes("exit code")) return "exited";
  return "other";
}
