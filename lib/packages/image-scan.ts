/**
 * Reads what an image ships: a one-off container of the image (Spawner.runInImage: no network,
 * small limits) runs `pip list --format json` with PIP_USER=0 (so system packages are listed, not
 * just user ones) and reports where `pip install` as the workspace user would put files.
 */
import type { ImagePackage } from "@/db/schema";
import { EngineUnavailableError, type RunResult, type Spawner } from "@/lib/spawner";
import { HOME_DIR } from "@/lib/workspaces/workload";

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

export async function scanImage(spawner: Pick<Spawner, "runInImage">, image: string): Promise<ImageScan> {
  let run: RunResult;
  try {
    run = await spawner.runInImage(image, ["python3", "-c", SCRIPT], SCAN_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof EngineUnavailableError) throw err;
    throw new ImageScanError(`Reading the packages of ${image} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (run.exitCode !== 0) {
    throw new ImageScanError(
      `Python in ${image} could not list its packages (exit ${run.exitCode}): ${lastLine(run.stderr || run.stdout)}`,
    );
  }
  return parseScan(image, run.stdout);
}

function parseScan(image: string, stdout: string): ImageScan {
  let out: ScanOutput;
  try {
    out = JSON.parse(lastLine(stdout)) as ScanOutput;
  } catch {
    throw new ImageScanError(`The package list of ${image} could not be read.`);
  }
  if (!Array.isArray(out.packages))
    throw new ImageScanError(`pip does not work in ${image}: ${typeof out.pipError === "string" ? out.pipError : "no output"}`);
  const packages = (out.packages as { name?: unknown; version?: unknown }[])
    .filter((p): p is { name: string; version: string } => typeof p.name === "string" && typeof p.version === "string")
    .map((p) => ({ name: p.name, version: p.version }))
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const userSite = typeof out.userSite === "string" ? out.userSite : "";
  return {
    packages,
    pythonVersion: typeof out.python === "string" ? out.python : "",
    userSiteInHome: out.pipUser === true && out.userSiteEnabled === true && userSite.startsWith(`${HOME_DIR}/`),
  };
}

function lastLine(s: string): string {
  const lines = s.trim().split("\n");
  return (lines[lines.length - 1] ?? "").trim();
}
