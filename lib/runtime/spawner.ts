import { getConfig } from "@/lib/config";
import { createSpawner, type Spawner } from "@/lib/spawner";

const holder = globalThis as typeof globalThis & { __atriumSpawner?: Spawner };

/** One spawner per process, shared by server.ts (proxy, loops) and Next's route bundles. */
export function getSpawner(): Spawner {
  const config = getConfig();
  holder.__atriumSpawner ??= createSpawner({ spawner: config.spawner, dockerHost: config.dockerHost, network: config.dockerNetwork });
  return holder.__atriumSpawner;
}

/** Tests swap in another backend (a fake for lifecycle logic, or a differently configured engine). */
export function setSpawner(spawner: Spawner | undefined): void {
  holder.__atriumSpawner = spawner;
}
