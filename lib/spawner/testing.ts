import { seedEnvironments } from "@/db/seed";
import { DockerSpawner } from "./docker";

/** The small Notebook 6 image (scripts/workspace-image/build.sh classic), for tests that only need "a Jupyter". */
export const TEST_IMAGE = process.env.ATRIUM_TEST_WORKSPACE_IMAGE ?? "atrium-workspace:1";
/** The image of the seeded environment "python" (JupyterLab 4), for tests that start that environment. */
export const SEEDED_IMAGE = seedEnvironments[0]?.image ?? "atrium-jupyterlab:1";

/** Why the real engine can't be used for tests, or undefined when it can. */
export async function engineReadiness(image = TEST_IMAGE): Promise<string | undefined> {
  const probe = new DockerSpawner();
  if (!(await probe.ping())) return "the Docker engine is not reachable (run scripts/ensure-docker.sh)";
  try {
    if (!(await probe.imageInfo(image)).present) return `the image ${image} is absent (build it with scripts/workspace-image/build.sh)`;
  } catch (err) {
    return `the engine answered ping but not an image inspect: ${String(err)}`;
  }
  return undefined;
}

/**
 * Why the swarm backend can't be tested here, or undefined when it can: the engine and image as
 * above, and this engine a manager of an active swarm (`docker swarm init --advertise-addr 127.0.0.1`).
 */
export async function swarmReadiness(image = TEST_IMAGE): Promise<string | undefined> {
  const notReady = await engineReadiness(image);
  if (notReady) return notReady;
  try {
    const info = (await new DockerSpawner().docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    const state = info.Swarm?.LocalNodeState ?? "unknown";
    if (state !== "active") return `the engine is not in a swarm (state "${state}"; run docker swarm init --advertise-addr 127.0.0.1)`;
    if (!info.Swarm?.ControlAvailable) return "the engine is a swarm worker, not a manager: services can only be created on a manager";
  } catch (err) {
    return `the engine answered ping but not docker info: ${String(err)}`;
  }
  return undefined;
}
