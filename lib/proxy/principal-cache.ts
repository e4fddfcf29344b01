/**
 * Who is calling, remembered for a few seconds per credential. resolvePrincipal costs a query (the
 * credential joined to its person and project roles; a last-use write once a minute); a notebook page makes dozens of requests
 * and a kernel many more, and the proxy's budget is about a millisecond. Only successful answers are
 * kept, keyed by a hash of the credential (never the credential itself), so a revoked token, a
 * deleted user or a changed role takes effect within the TTL; a TTL of 0 turns the cache off.
 *
 * The TTL runs on the monotonic clock (performance.now): a wall clock stepped back must not keep a revoked
 * credential alive past the TTL, and in the portal Next replaces `Date` with a version that asks its
 * request context on every `Date.now()` (Next's own advice: performance.now for measuring time).
 */
import type { Principal } from "@/lib/auth/principal";
import { credentialCacheKey, type CachedCredential } from "@/lib/auth/credential";

const MAX_ENTRIES = 10_000;

export interface PrincipalCache {
  /** Keyed by the credential that authenticates (credential.ts), never by other request bytes. */
  get(credential: CachedCredential, load: () => Promise<Principal | null>): Promise<Principal | null>;
  clear(): void;
}

export function createPrincipalCache(ttlMs: number): PrincipalCache {
  const entries = new Map<string, { principal: Principal; expires: number }>();
  /**
   * Lookups in flight, shared by the requests that carry the same credential: when an entry expires, every
   * request of a busy notebook (50 at once in bench:proxy) would otherwise query the database, each.
   */
  const loading = new Map<string, Promise<Principal | null>>();
  /** Bumped by clear(): a lookup that began before it must not store what it read. */
  let epoch = 0;

  function store(key: string, principal: Principal, expires: number, now: number): void {
    if (entries.size >= MAX_ENTRIES) {
      for (const [k, e] of entries) if (e.expires <= now) entries.delete(k);
      // Still full: drop the oldest insertions (Map keeps insertion order).
      for (const k of entries.keys()) {
        if (entries.size < MAX_ENTRIES) break;
        entries.delete(k);
      }
    }
    entries.set(key, { principal, expires });
  }

  return {
    get(credential, load) {
      if (ttlMs <= 0) return load();
      const key = credentialCacheKey(credential);
      const now = performance.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return Promise.resolve(hit.principal);
      if (hit) entries.delete(key);
      const pending = loading.get(key);
      if (pending) return pending;
      const started = epoch;
      const settle = () => {
        if (loading.get(key) === lookup) loading.delete(key);
      };
      const lookup = load().then(
        (principal) => {
          settle();
          // Only successes are kept, from the time the lookup began, and none that clear() overtook.
          if (principal && started === epoch) store(key, principal, now + ttlMs, now);
          return principal;
        },
        (err: unknown) => {
          settle();
          throw err;
        },
      );
      // Bounded like the entries: past the cap, a lookup is simply not shared.
      if (loading.size < MAX_ENTRIES) loading.set(key, lookup);
      return lookup;
    },
    clear() {
      epoch++;
      entries.clear();
      loading.clear();
    },
  };
}
