import { getConfig } from "@/lib/config";
import { createSpawner, type Spawner } from "@/lib/spawner";

// Deliberately per module graph (server.ts and Next's bundles each get one): the spawner holds no
// state worth sharing, and errors it throws must be instances of the classes the caller imported.
let spawner: Spawner | undefined;

export function getSpawner(): Spawner {
  const config = getConfig();
  spawner ??= createSpawner({
    spawner: config.spawner,
    dockerHost: config.dockerHost,
    network: config.dockerNetwork,
    swarmNetwork: config.swarmNetwork,
    swarmPublish: config.swarmPublish,
  });
  return spawner;
}

/** Tests swap in another backend (a fake for lifecycle logic, or a differently configured engine). */
export function setSpawner(next: Spawner | undefined): void {
  spawner = next;
}
