/**
 * Whether an environment's image has the `mlflow` client, from its package scan (environment-packages.ts).
 * Pure, so the Experiments page's client component can use it on the scan it fetched.
 */
import type { ImagePackage } from "@/db/schema";
import { normalizeName } from "./names";

const CLIENTS = new Set(["mlflow", "mlflow-skinny"]);

export type MlflowClient = { installed: true; version: string } | { installed: false };

export function mlflowClientIn(packages: readonly ImagePackage[]): MlflowClient {
  // mlflow-skinny is the same client without the server (build.sh installs it when it has an index).
  const found = packages.find((p) => CLIENTS.has(normalizeName(p.name)));
  return found ? { installed: true, version: found.version } : { installed: false };
}
