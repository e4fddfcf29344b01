import type { Db } from "@/db/client";
import { getArtifactStore } from "@/lib/artifacts/runtime";
import { getConfig } from "@/lib/config";
import { getSpawner } from "@/lib/runtime/spawner";
import type { JobDeps } from "./execute";

/** What a route needs to act on executions, from the process's shared runtime. */
export function jobDeps(db: Db): JobDeps {
  return { db, spawner: getSpawner(), store: getArtifactStore(), logMaxBytes: getConfig().jobs.logMaxBytes };
}
