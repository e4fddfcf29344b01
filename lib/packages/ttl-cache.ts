/**
 * A small in-process cache with a time to live, at most `max` entries (oldest dropped first), and one
 * load in flight per key: ten people opening the same page cause one request to the index.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 500,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value if fresh; else load it. A failed reload falls back to a stale value when there is one. */
  async get(key: string, load: () => Promise<V>): Promise<{ value: V; at: number; stale: boolean }> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return { ...hit, stale: false };
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    try {
      const value = await pending;
      const at = this.now();
      this.entries.delete(key);
      this.entries.set(key, { value, at });
      while (this.entries.size > this.max) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
      return { value, at, stale: false };
    } catch (err) {
      if (hit) return { ...hit, stale: true };
      throw err;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
