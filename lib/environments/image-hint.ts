/**
 * (Both sentences say "missing": lib/metrics/registry.ts counts a failed start as image_missing by it.)
 *
 * What to do about an environment whose image is not on the engine. The seeded environment uses the
 * image this repository builds (scripts/workspace-image/build.sh), so for that one the answer is a
 * command; any other image is the admin's to pull or build.
 */
const WORKSPACE_IMAGE_COMMAND = "npm run image:workspace";

const BUILT_HERE = /^atrium-workspace:[\w.-]+$/;

export function missingImageAdvice(image: string): string {
  return BUILT_HERE.test(image)
    ? `The image ${image} is missing: build it with \`${WORKSPACE_IMAGE_COMMAND}\` in the Atrium checkout on the portal's host, then reload.`
    : `The image ${image} is missing on this host: an admin has to pull or build it (docker pull ${image}).`;
}
