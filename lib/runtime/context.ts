/**
 * What the portal process shares, created once: the database handle, the spawner, and the parts the
 * domains keep per process (the metrics, the workspace target cache, the replica's leader state, the
 * artifact store, the PyPI catalogs, the image scans in flight), each made by its own module through
 * `part` under a key that module declares. server.ts (proxy, /metrics, election, background loops)
 * and Next's route handlers import this module from the one built package @atrium/core, so they
 * hold the same object (docs/architecture.md §1). This module imports no domain: the domains import
 * it.
 */
import { openDatabase, type DbHandle } from "@/db/client";
import { seedDatabase } from "@/db/seed";
import { getConfig } from "@/lib/config";
import { createSpawner, type Spawner } from "@/lib/spawner";

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
    portalContainer: config.portalContainer,
    swarmNetwork: config.swarmNetwork,
    swarmPublish: config.swarmPublish,
  });
}

/** Not exported: only `PortalRuntime.part` reaches a key's values, so a part is made in one place. */
const valueIn: unique symbol = Symbol("part value in a runtime");

/**
 * Names one per-process part and carries its type. The owning module declares it once, e.g.
 * `const METRICS = partKey<AtriumMetrics>("metrics")`; two keys are two parts even when their
 * descriptions are equal, so a module can only reach the parts whose keys it was given.
 */
export interface PartKey<T> {
  /** For people reading logs and debuggers; not what tells parts apart. */
  readonly description: string;
  readonly [valueIn]: (runtime: PortalRuntime, create: () => T) => T;
}

/**
 * A new key. Each key keeps its part for each runtime itself (a WeakMap keyed by the runtime), so the
 * value comes back with the key's type and no cast: a shared `Map<key, unknown>` would need one.
 */
export function partKey<T>(description: string): PartKey<T> {
  const made = new WeakMap<PortalRuntime, { value: T }>();
  return {
    description,
    [valueIn](runtime, create) {
      let part = made.get(runtime);
      if (!part) {
        part = { value: create() };
        made.set(runtime, part);
      }
      return part.value;
    },
  };
}

export class PortalRuntime {
  #database: Promise<DbHandle> | undefined;
  #spawner: Spawner | undefined;

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

  /**
   * This runtime's part named by `key`, made by `create` on first use (again on the next use if
   * `create` throws). Each key belongs to the module that owns the part (lib/metrics/registry.ts
   * declares METRICS), so its type is that module's.
   */
  part<T>(key: PartKey<T>, create: () => T): T {
    return key[valueIn](this, create);
  }
}

/** The process's one runtime. */
export const runtime = new PortalRuntime();
