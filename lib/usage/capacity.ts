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

const cores = (n: number) => `${n} CPU${n === 1 ? "" : "s"}`;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Why a workload of this size cannot run on the machine at all (the engine refuses more CPUs than it has, "Range of
 * CPUs is from 0.01 to 2.00"), naming the role's per-workload limit, which is why the forms offer less than the role
 * allows; undefined when it fits or only the portal's host was measured (a guess is no reason to refuse).
 */
export function machineRefusal(
  ask: { cpu: number; memGb: number },
  machine: Capacity,
  role: string,
  limits: { maxCpu: number; maxMemGb: number },
): string | undefined {
  if (machine.source !== "engine") return undefined;
  if (ask.cpu > machine.cpu) {
    return `The machine workloads run on has ${cores(machine.cpu)}, so nothing can ask for ${cores(ask.cpu)}, although role '${role}' allows ${cores(limits.maxCpu)}.`;
  }
  if (ask.memGb > machine.memGb) {
    return `The machine workloads run on has ${round(machine.memGb)} GiB of memory, so nothing can ask for ${ask.memGb} GiB, although role '${role}' allows ${limits.maxMemGb} GiB.`;
  }
  return undefined;
}
