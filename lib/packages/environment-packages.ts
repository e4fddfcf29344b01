/**
 * The Python packages each environment ships, read once per image id and kept in Postgres, so the
 * Environments page costs one one-off container per image ever, not one per visit, on whichever
 * backend is configured (Spawner.runInImage).
 */
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { findImagePackages, saveImagePackages, type ImagePackagesRow } from "@/db/queries/image-packages";
import type { ImagePackage } from "@/db/schema";
import { ApiError, conflict, notFound } from "@/lib/http/api-error";
import { EngineUnavailableError, type Spawner } from "@/lib/spawner";
import { partKey, runtime } from "@/lib/runtime/context";
import { ImageScanError, scanImage } from "./image-scan";

export interface ImagePackagesView {
  image: string;
  imageId: string;
  pythonVersion: string | null;
  /** pip install as the workspace user goes to the home volume, so installs survive a restart. */
  userSiteInHome: boolean;
  packages: ImagePackage[];
  readAt: string;
}

export interface EnvironmentPackagesView extends ImagePackagesView {
  environment: { id: string; name: string };
}

/** The image scans in flight in this process, by image id. */
const IMAGE_SCANS = partKey<Map<string, Promise<ImagePackagesRow>>>("image scans in flight");

/** The packages of an image (by name or id): from Postgres when this image id was read before. */
export async function packagesOfImage(db: Db, spawner: Spawner, image: string): Promise<ImagePackagesView> {
  let info: { present: boolean; id?: string };
  try {
    info = await spawner.imageInfo(image);
  } catch (err) {
    if (err instanceof EngineUnavailableError) throw new ApiError(503, "engine_unavailable", err.message);
    throw err;
  }
  if (!info.present || !info.id) throw conflict("image_missing", `The image ${image} is not on this host, so its packages cannot be read.`);
  const imageId = info.id;
  let row = await findImagePackages(db, imageId);
  if (!row) {
    // One scan per image id in flight in this process, however many pages ask.
    const scans = runtime.part(IMAGE_SCANS, () => new Map<string, Promise<ImagePackagesRow>>());
    let scan = scans.get(imageId);
    if (!scan) {
      scan = scanImage(spawner, imageId)
        .then((s) =>
          saveImagePackages(db, {
            imageId,
            packages: s.packages,
            pythonVersion: s.pythonVersion || null,
            userSiteInHome: s.userSiteInHome,
          }),
        )
        .finally(() => scans.delete(imageId));
      scans.set(imageId, scan);
    }
    try {
      row = await scan;
    } catch (err) {
      if (err instanceof ImageScanError) throw new ApiError(502, "image_scan_failed", err.message);
      if (err instanceof EngineUnavailableError) throw new ApiError(503, "engine_unavailable", err.message);
      throw err;
    }
  }
  return {
    image,
    imageId,
    pythonVersion: row.pythonVersion,
    userSiteInHome: row.userSiteInHome,
    packages: row.packages,
    readAt: row.readAt.toISOString(),
  };
}

export async function environmentPackages(db: Db, spawner: Spawner, environmentId: string): Promise<EnvironmentPackagesView> {
  const env = await findEnvironment(db, environmentId);
  if (!env) throw notFound("environment_not_found", `There is no environment "${environmentId}".`);
  return { environment: { id: env.id, name: env.name }, ...(await packagesOfImage(db, spawner, env.image)) };
}
