/**
 * What the portal process shares, created once: the database handle, the spawner, the metrics, the
 * workspace target cache, the replica's leader state, the artifact store, the PyPI catalogs and the
 * image scans in flight. server.ts (proxy, /metrics, election, background loops) and Next's route
 * handlers import this module from the one built package @atrium/core, so they hold the same object
 * (docs/architecture.md §1). Parts that depend on the configuration are created on first use.
 */
import os from "node:os";
import { openDatabase, type DbHandle } from "@/db/client";
import type { ImagePackagesRow } from "@/db/queries/image-packages";
import { seedDatabase } from "@/db/seed";
import { artifactStoreFor } from "@/lib/artifacts/store-for-config";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { getConfig } from "@/lib/config";
import type { ReplicaState } from "@/lib/leader/state";
import { createMetrics, type AtriumMetrics } from "@/lib/metrics/create";
import type { PackageCatalog } from "@/lib/packages/catalog";
import { createSpawner, type Spawner } from "@/lib/spawner";
import { WorkspaceTargetCache } from "@/lib/workspaces/target-cache";

async function openConfiguredDatabase(): Promise<DbHandle> {
  const config = getConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await seedDatabase(handle.db);
  return handle;
}

function configuredSpawner(): Spawner {
  const config = getConfig();
  return createSpawner({
    spawner: config.spawner,
    dockerHost: config.dockerHost,
    network: config.dockerNetwork,
    swarmNetwork: config.swarmNetwork,
    swarmPublish: config.swarmPublish,
  });
}

/** Parts a test puts in place of the configured ones; `undefined` goes back to the configured one. */
export interface RuntimeReplacements {
  spawner?: Spawner | undefined;
  database?: DbHandle | undefined;
  artifacts?: ArtifactStore | undefined;
}

export class PortalRuntime {
  #database: Promise<DbHandle> | undefined;
  #spawner: Spawner | undefined;
  #metrics: AtriumMetrics | undefined;
  #artifacts: ArtifactStore | undefined;
  /** Where running workspaces answer: the proxy reads it, a stop in a route handler forgets. */
  readonly targets = new WorkspaceTargetCache();
  /** Written by the election in server.ts, read by /api/health. */
  readonly replica: ReplicaState = { id: `${os.hostname()}:${process.pid}`, leader: false };
  /** One catalog (and so one cache) per package index URL. */
  readonly catalogs = new Map<string, PackageCatalog>();
  /** Image package scans in flight, by image id, so concurrent pages share one container. */
  readonly imageScans = new Map<string, Promise<ImagePackagesRow>>();

  /** Opened (migrations applied, roles seeded) on first use; PGlite allows one opener per directory. */
  database(): Promise<DbHandle> {
    this.#database ??= openConfiguredDatabase();
    return this.#database;
  }

  /** Closes the database; the next `database()` opens it again. */
  async closeDatabase(): Promise<void> {
    const pending = this.#database;
    this.#database = undefined;
    if (pending) await (await pending).close();
  }

  get spawner(): Spawner {
    this.#spawner ??= configuredSpawner();
    return this.#spawner;
  }

  get metrics(): AtriumMetrics {
    this.#metrics ??= createMetrics(async () => (await this.database()).db);
    return this.#metrics;
  }

  get artifacts(): ArtifactStore {
    this.#artifacts ??= artifactStoreFor(getConfig());
    return this.#artifacts;
  }

  /** Tests swap parts: a fake spawner, a database of their own, another artifact store. */
  replace(parts: RuntimeReplacements): void {
    if ("spawner" in parts) this.#spawner = parts.spawner;
    if ("database" in parts) this.#database = parts.database ? Promise.resolve(parts.database) : undefined;
    if ("artifacts" in parts) this.#artifacts = parts.artifacts;
  }
}

/** The process's one runtime. */
export const runtime = new PortalRuntime();
