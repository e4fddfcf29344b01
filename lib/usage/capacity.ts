import os from "node:os";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";

const GIB = 1024 ** 3;

export interface Capacity {
  cpu: number;
  memGb: number;
  /** Where the numbers come from, shown under the charts. */
  source: "engine" | "portal host";
}

let cached: { at: number; value: Capacity } | undefined;

/**
 * What the machine running workspaces has: the engine's CPUs and memory (`docker info`), or the
 * portal's own host when the engine cannot say. Cached for a minute; it rarely changes.
 */
export async function machineCapacity(spawner: Spawner): Promise<Capacity> {
  if (cached && Date.now() - cached.at < 60_000) return cached.value;
  let value: Capacity = { cpu: os.cpus().length, memGb: os.totalmem() / GIB, source: "portal host" };
  if (spawner instanceof DockerSpawner || spawner instanceof SwarmSpawner) {
    try {
      const info = (await spawner.docker.info()) as { NCPU?: number; MemTotal?: number };
      if (info.NCPU && info.MemTotal) value = { cpu: info.NCPU, memGb: info.MemTotal / GIB, source: "engine" };
    } catch {
      // engine unreachable: the host's numbers are the best guess
    }
  }
  cached = { at: Date.now(), value };
  return value;
}
