import { DockerSpawner } from "./docker";

export const TEST_IMAGE = process.env.ATRIUM_TEST_WORKSPACE_IMAGE ?? "atrium-workspace:1";

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
