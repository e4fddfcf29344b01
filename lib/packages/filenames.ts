import { normalizeName } from "./names";

/**
 * The version in a distribution's file name: wheels (PEP 427: name-version[-build]-py-abi-platform.whl,
 * "-" in the name escaped to "_") and sdists (name-version.tar.gz, where old sdists may keep "-" in the
 * name, so the split is the one whose left side normalises to the project).
 */

export type FileKind = "wheel" | "sdist" | "egg" | "other";

const SDIST_EXT = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"];

export function fileKind(filename: string): FileKind {
  const f = filename.toLowerCase();
  if (f.endsWith(".whl")) return "wheel";
  if (f.endsWith(".egg")) return "egg";
  if (SDIST_EXT.some((e) => f.endsWith(e))) return "sdist";
  return "other";
}

export function versionFromFilename(filename: string, project: string): string | undefined {
  const kind = fileKind(filename);
  const lower = filename.toLowerCase();
  if (kind === "wheel" || kind === "egg") {
    const parts = filename.slice(0, -4).split("-");
    const ok = kind === "wheel" ? parts.length === 5 || parts.length === 6 : parts.length >= 2;
    return ok && parts[1] ? parts[1] : undefined;
  }
  if (kind !== "sdist") return undefined;
  const ext = SDIST_EXT.find((e) => lower.endsWith(e)) ?? "";
  const stem = filename.slice(0, filename.length - ext.length);
  const want = normalizeName(project);
  for (let i = stem.indexOf("-"); i > 0; i = stem.indexOf("-", i + 1)) {
    if (normalizeName(stem.slice(0, i)) === want) return stem.slice(i + 1) || undefined;
  }
  const last = stem.lastIndexOf("-");
  return last > 0 ? stem.slice(last + 1) || undefined : undefined;
}
