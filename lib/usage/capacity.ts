import os from "node:os";
import type { Spawner } from "@/lib/spawner";

const GIB = 1024 ** 3;

export interface Capacity {
  cpu: number;
  memGb: number;
  /** Where the numbers come from, shown under the charts. */
  source: "engine" | "portal host";
}

let cached: { at: number; value: Capacity } | undefined;

/**
 * What the machine running workspaces has: the engine's CPUs and memory (spawner.capacity()), or
 * the portal's own host when the engine cannot say. Cached for a minute; it rarely changes.
 */
export async function machineCapacity(spawner: Spawner): Promise<Capacity> {
  if (cached && Date.now() - cached.at < 60_000) return cached.value;
  // An unreachable engine: the host's numbers are the best guess.
  const engine = await spawner.capacity().catch(() => undefined);
  const value: Capacity =
    engine && engine.cpu > 0 && engine.memBytes > 0
      ? { cpu: engine.cpu, memGb: engine.memBytes / GIB, source: "engine" }
      : { cpu: os.cpus().length, memGb: os.totalmem() / GIB, source: "portal host" };
  cached = { at: Date.now(), value };
  return value;
}
