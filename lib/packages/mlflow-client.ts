/**
 * Whether an environment's image has the `mlflow` client, from its package scan (environment-packages.ts).
 * Pure, so the Experiments page's client component can use it on the scan it fetched.
 */
import type { ImagePackage } from "@/db/schema";
import { normalizeName } from "./names";

export type MlflowClient = { installed: true; version: string } | { installed: false };

export function mlflowClientIn(packages: readonly ImagePackage[]): MlflowClient {
  const found = packages.find((p) => normalizeName(p.name) === "mlflow");
  return found ? { installed: true, version: found.version } : { installed: false };
}
