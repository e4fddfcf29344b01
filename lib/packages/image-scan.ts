/**
 * Reads what an image ships: a short-lived container of the image (no network, small limits) runs
 * `pip list --format json` with PIP_USER=0 (so system packages are listed, not just user ones) and
 * reports where `pip install` as the workspace user would put files. Uses dockerode directly, through
 * the Docker spawner's client; the Spawner interface itself is left unchanged.
 */
import type Dockerode from "dockerode";
import type { ImagePackage } from "@/db/schema";
import { demuxBuffer } from "@/lib/spawner/exec-lines";

/** Mounted as the home volume in every workspace (lib/spawner/docker.ts). */
export const WORKSPACE_HOME = "/home/jovyan";
const SCAN_TIMEOUT_MS = 60_000;

const SCRIPT = String.raw`
import json, os, site, subprocess, sys
env = dict(os.environ, PIP_USER="0")
r = subprocess.run([sys.executable, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check", "--no-input"], capture_output=True, text=True, env=env)
print(json.dumps({
    "python": sys.version.split()[0],
    "packages": json.loads(r.stdout) if r.returncode == 0 else None,
    "pipError": (r.stderr or "").strip()[-400:] if r.returncode else None,
    "pipUser": os.environ.get("PIP_USER", "").strip().lower() in ("1", "true", "yes", "on"),
    "userSite": site.getusersitepackages(),
    "userSiteEnabled": bool(site.ENABLE_USER_SITE),
}))
`;

export interface ImageScan {
  packages: ImagePackage[];
  pythonVersion: string;
  userSiteInHome: boolean;
}

export class ImageScanError extends Error {
  override name = "ImageScanError";
}

interface ScanOutput {
  python?: unknown;
  packages?: unknown;
  pipError?: unknown;
  pipUser?: unknown;
  userSite?: unknown;
  userSiteEnabled?: unknown;
}

export async function scanImage(docker: Dockerode, image: string): Promise<ImageScan> {
  const name = `atrium-pkgscan-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let container: Dockerode.Container | undefined;
  const timer = { id: undefined as NodeJS.Timeout | undefined };
  try {
    container = await docker.createContainer({
      name,
      Image: image,
      Entrypoint: ["python3", "-c", SCRIPT],
      Cmd: [],
      // Not atrium.managed: reconcile must never take this for a workspace.
      Labels: { "atrium.purpose": "image-packages" },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: "none", Memory: 512 * 1024 ** 2, NanoCpus: 1e9, AutoRemove: false },
    });
    const c = container;
    await c.start();
    const waited = await Promise.race([
      c.wait() as Promise<{ StatusCode: number }>,
      new Promise<never>((_, reject) => {
        timer.id = setTimeout(() => reject(new ImageScanError(`Reading the packages of ${image} took longer than ${SCAN_TIMEOUT_MS / 1000} s.`)), SCAN_TIMEOUT_MS);
      }),
    ]);
    const logs = demuxBuffer(await c.logs({ stdout: true, stderr: true, follow: false }));
    if (waited.StatusCode !== 0) {
      throw new ImageScanError(`Python in ${image} could not list its packages (exit ${waited.StatusCode}): ${lastLine(logs.err || logs.out)}`);
    }
    return parseScan(image, logs.out);
  } finally {
    clearTimeout(timer.id);
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

export function parseScan(image: string, stdout: string): ImageScan {
  let out: ScanOutput;
  try {
    out = JSON.parse(lastLine(stdout)) as ScanOutput;
  } catch {
    throw new ImageScanError(`The package list of ${image} could not be read.`);
  }
  if (!Array.isArray(out.packages)) throw new ImageScanError(`pip does not work in ${image}: ${typeof out.pipError === "string" ? out.pipError : "no output"}`);
  const packages = (out.packages as { name?: unknown; version?: unknown }[])
    .filter((p): p is { name: string; version: string } => typeof p.name === "string" && typeof p.version === "string")
    .map((p) => ({ name: p.name, version: p.version }))
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const userSite = typeof out.userSite === "string" ? out.userSite : "";
  return {
    packages,
    pythonVersion: typeof out.python === "string" ? out.python : "",
    userSiteInHome: out.pipUser === true && out.userSiteEnabled === true && userSite.startsWith(`${WORKSPACE_HOME}/`),
  };
}

function lastLine(s: string): string {
  const lines = s.trim().split("\n");
  return (lines[lines.length - 1] ?? "").trim();
}

