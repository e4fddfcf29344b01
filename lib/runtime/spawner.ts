import { getConfig } from "@/lib/config";
import { createSpawner, type Spawner } from "@/lib/spawner";

const holder = globalThis as typeof globalThis & { __atriumSpawner?: Spawner };

/** One spawner per process, shared by server.ts (proxy, loops) and Next's route bundles. */
export function getSpawner(): Spawner {
  holder.__atriumSpawner ??= createSpawner({
    spawner: getConfig().spawner,
    dockerHost: getConfig().dockerHost,
    network: process.env.ATRIUM_DOCKER_NETWORK || undefined,
  });
  return holder.__atriumSpawner;
}

/** Tests swap in another backend (a fake for lifecycle logic, or a differently configured engine). */
export function setSpawner(spawner: Spawner | undefined): void {
  holder.__atriumSpawner = spawner;
}
