import type { Db } from "@/db/client";
import { findModelVersion, findRegisteredModel } from "@/db/queries/registry";

/**
 * Whether a registered model (and, given one, a live version of it) exists. The model pages render
 * from the registry API in the browser; asking here first lets an unknown name be a 404 page.
 * Registry reads are open to every signed-in person, so no principal is needed.
 */
export async function registryEntryExists(db: Db, name: string, version?: string): Promise<boolean> {
  if (!(await findRegisteredModel(db, name))) return false;
  if (version === undefined) return true;
  // A version is a positive int32 in MLflow; anything else cannot name one.
  if (!/^[1-9]\d{0,9}$/.test(version) || Number(version) > 2 ** 31 - 1) return false;
  return (await findModelVersion(db, name, Number(version))) !== undefined;
}
