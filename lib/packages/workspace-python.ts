/**
 * The Python a workspace runs, for deciding which versions of a package fit it (fit.ts): its version
 * from its image's package scan (environment-packages.ts, read once per image) and the architecture
 * of the host the engine runs on.
 */
import { arch } from "node:os";
import type { Db } from "@/db/client";
import type { Spawner } from "@/lib/spawner";
import { conflict } from "@/lib/http/api-error";
import { packagesOfImage } from "./environment-packages";
import type { PackageDetail } from "./catalog";
import { versionFit, wheelArch, type PythonTarget } from "./fit";

/** The image's Python, or null when its scan failed or found none (nothing is then refused on its account). */
export async function pythonOfImage(db: Db, spawner: Spawner, image: string): Promise<PythonTarget | null> {
  const scan = await packagesOfImage(db, spawner, image).catch(() => null);
  return scan?.pythonVersion ? { python: scan.pythonVersion, arch: wheelArch(arch()) } : null;
}

/** The versions of a package pip cannot install into `target`, each with why. */
export function unfitVersions(pkg: Pick<PackageDetail, "versions" | "files">, target: PythonTarget): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of pkg.versions) {
    const fit = versionFit(
      pkg.files.filter((f) => f.version === v.version),
      target,
    );
    if (!fit.fits) out[v.version] = fit.reason;
  }
  return out;
}

/** A 409 naming the version and why, before pip is started for a pinned version that cannot install. */
export function assertVersionFits(
  pkg: Pick<PackageDetail, "name" | "versions" | "files">,
  version: string,
  target: PythonTarget,
  where: string,
): void {
  const reason = unfitVersions(pkg, target)[version];
  if (reason)
    throw conflict(
      "version_does_not_fit",
      `${pkg.name} ${version} cannot be installed into ${where}: ${reason}; pick another version, or leave the version empty and pip picks the newest that fits.`,
    );
}
