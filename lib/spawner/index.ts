import { DockerSpawner } from "./docker";
import type { Spawner } from "./types";

export * from "./types";
export { DockerSpawner, containerName, volumeName, type DockerSpawnerOptions } from "./docker";

export interface SpawnerConfig {
  spawner: "docker" | "swarm";
  dockerHost?: string;
  network?: string;
}

/** The backend ATRIUM_SPAWNER names; DOCKER_HOST (dockerHost) says where the engine is. */
export function createSpawner(config: SpawnerConfig): Spawner {
  switch (config.spawner) {
    case "docker":
      return new DockerSpawner({ dockerHost: config.dockerHost, network: config.network });
    case "swarm":
      throw new Error('The "swarm" spawner is not yet implemented; set ATRIUM_SPAWNER=docker.');
    default: {
      const unknown: never = config.spawner;
      throw new Error(`Unknown spawner "${String(unknown)}"; ATRIUM_SPAWNER must be "docker" or "swarm".`);
    }
  }
}
