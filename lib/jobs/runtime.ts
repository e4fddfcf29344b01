import type { Db } from "@/db/client";
import { getArtifactStore } from "@/lib/artifacts/runtime";
import { getConfig } from "@/lib/config";
import { getSpawner } from "@/lib/runtime/spawner";
import type { JobDeps } from "./execute";

/** Where an ended execution's log is cut and spooled (ATRIUM_JOB_LOG_MAX_MIB, ATRIUM_DATA_DIR). */
export function jobOutputSettings(): Pick<JobDeps, "logMaxBytes" | "spoolDir"> {
  const { logMaxBytes, spoolDir } = getConfig().jobs;
  return { logMaxBytes, spoolDir };
}

/** What a route needs to act on executions, from the process's shared runtime. */
export function jobDeps(db: Db): JobDeps {
  return { db, spawner: getSpawner(), store: getArtifactStore(), ...jobOutputSettings() };
}
