import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import { granteesOf } from "@/db/queries/shares";
import type { Grantees } from "@/lib/auth/access";

export interface WorkspaceTarget {
  /** Where the workspace answers, e.g. http://127.0.0.1:32768 (no path). */
  url: string;
  /** The workspace's Jupyter token; the proxy sends it upstream, never to the caller. */
  token: string;
  /** Whose it is (users.id): who may use it is decided by id (lib/auth/access.ts). */
  ownerId: string;
  /** Whom it is shared with (lib/sharing/); a change forgets the entry, so a revocation holds at once here. */
  sharedWith: Grantees;
}

/**
 * Where a running workspace answers, remembered for TARGET_TTL_MS. The proxy asks on every request
 * (a notebook page makes dozens, a kernel many more) and a database round trip costs more than the
 * rest of the proxy's work together. Only running servers are remembered, so a server that has just
 * become ready is reachable at once; stopServer and reconcile forget a server the moment it stops
 * being running here, and the TTL bounds what another portal replica's stop leaves behind (a stale
 * entry points at a workspace token the next container does not accept). The TTL runs on the monotonic
 * clock, as the principal cache's does (lib/proxy/principal-cache.ts). The process has one
 * (lib/runtime/context.ts), shared by the proxy in server.ts and the route handlers that stop servers.
 */
const TARGET_TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;

const keyOf = (user: string, server: string) => `${user}/${server}`;

function mapFor<V>(maps: WeakMap<Db, Map<string, V>>, db: Db): Map<string, V> {
  let map = maps.get(db);
  if (!map) {
    map = new Map();
    maps.set(db, map);
  }
  return map;
}

async function lookup(db: Db, user: string, server: string): Promise<WorkspaceTarget | null> {
  const row = await findServer(db, user, server);
  if (!row || row.status !== "running" || !row.url || !row.jupyterToken) return null;
  return { url: row.url, token: row.jupyterToken, ownerId: row.ownerId, sharedWith: await granteesOf(db, { user, server }) };
}

export class WorkspaceTargetCache {
  private readonly entries = new WeakMap<Db, Map<string, { target: WorkspaceTarget; expires: number }>>();
  private readonly loading = new WeakMap<Db, Map<string, Promise<WorkspaceTarget | null>>>();
  /** Bumped by every forget: a lookup that began before it must not store what it read. */
  private epoch = 0;

  /** Where the proxy sends a workspace's traffic, or null when it is not running. */
  resolve(db: Db, user: string, server: string): Promise<WorkspaceTarget | null> {
    const key = keyOf(user, server);
    const entries = mapFor(this.entries, db);
    const now = performance.now();
    const hit = entries.get(key);
    if (hit && hit.expires > now) return Promise.resolve(hit.target);
    // Concurrent requests for the same workspace share one query.
    const loading = mapFor(this.loading, db);
    const pending = loading.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    const load = lookup(db, user, server).then(
      (target) => {
        if (loading.get(key) === load) loading.delete(key);
        if (!target) entries.delete(key);
        else if (this.epoch === epoch) {
          if (entries.size >= MAX_ENTRIES) entries.clear();
          entries.set(key, { target, expires: performance.now() + TARGET_TTL_MS });
        }
        return target;
      },
      (err: unknown) => {
        if (loading.get(key) === load) loading.delete(key);
        throw err;
      },
    );
    loading.set(key, load);
    return load;
  }

  /** The proxy must look this server up again: it is stopping, stopped, failed or moved. */
  forget(db: Db, user: string, server: string): void {
    this.epoch++;
    const key = keyOf(user, server);
    this.entries.get(db)?.delete(key);
    this.loading.get(db)?.delete(key);
  }
}
