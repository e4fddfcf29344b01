import { DockerSpawner } from "./docker";
import { SwarmSpawner } from "./swarm";
import type { Spawner } from "./types";

export * from "./types";
export { OutputLimitError, type OutputLimit } from "./bounded-output";
export { OOM_LOG_LINE, legacyVolumeName } from "./container-spec";
export { LABEL_ENV, LABEL_SERVER, LABEL_USER, nounOf, objectName } from "./kinds";
export { DockerSpawner } from "./docker";
export { SwarmSpawner } from "./swarm";

export interface SpawnerConfig {
  spawner: "docker" | "swarm";
  dockerHost?: string;
  /** docker: the portal's own user-defined network; each person's workloads get one of their own that it joins (unset: publish on 127.0.0.1). */
  network?: string;
  /** docker with `network`, swarm with swarmPublish "none": the portal's container (unset: found; portal-container.ts). */
  portalContainer?: string;
  /** swarm: the portal's own overlay network, with swarmPublish "none" (default atrium-swarm). */
  swarmNetwork?: string;
  /** swarm: "none" when the portal is a service on swarmNetwork; "host" publishes a workload's port. */
  swarmPublish?: "host" | "none";
}

/** The backend ATRIUM_SPAWNER names; DOCKER_HOST (dockerHost) says where the engine is. */
export function createSpawner(config: SpawnerConfig): Spawner {
  switch (config.spawner) {
    case "docker":
      return new DockerSpawner({ dockerHost: config.dockerHost, network: config.network, portalContainer: config.portalContainer });
    case "swarm":
      return new SwarmSpawner({
        dockerHost: config.dockerHost,
        network: config.swarmNetwork,
        portalOnNetwork: config.swarmPublish === "none",
        portalContainer: config.portalContainer,
      });
    default: {
      const unknown: never = config.spawner;
      throw new Error(`Unknown spawner "${String(unknown)}"; ATRIUM_SPAWNER must be "docker" or "swarm".`);
    }
  }
}
