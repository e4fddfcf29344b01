/**
 * What the portal process shares, created once: the database handle, the spawner, and the parts the
 * domains keep per process (the metrics, the workspace target cache, the replica's leader state, the
 * artifact store, the PyPI catalogs, the image scans in flight), each made by its own module through
 * `part`. server.ts (proxy, /metrics, election, background loops) and Next's route handlers import
 * this module from the one built package @atrium/core, so they hold the same object
 * (docs/architecture.md §1). This module imports no domain: the domains import it.
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
    swarmNetwork: config.swarmNetwork,
    swarmPublish: config.swarmPublish,
  });
}

export class PortalRuntime {
  #database: Promise<DbHandle> | undefined;
  #spawner: Spawner | undefined;
  readonly #parts = new Map<string, unknown>();

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

  /** Tests swap in another backend; `undefined` goes back to the configured one. */
  set spawner(next: Spawner | undefined) {
    this.#spawner = next;
  }

  /**
   * The process's one `name`, made by `create` on first use. Each name belongs to one module, the
   * one that owns that part (lib/metrics/registry.ts for "metrics"), so its type is that module's.
   */
  part<T>(name: string, create: () => T): T {
    if (!this.#parts.has(name)) this.#parts.set(name, create());
    return this.#parts.get(name) as T;
  }
}

/** The process's one runtime. */
export const runtime = new PortalRuntime();
