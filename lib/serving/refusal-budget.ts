/**
 * How many refused calls get a request log row (docs/serving.md, "The request log"). A refusal costs its caller
 * nothing, an unauthenticated one included, so without a budget anyone could fill an endpoint's log (and, through
 * the lookup of an endpoint named in a 401, the database) at the rate they can send requests. Each endpoint name
 * gets `perEndpoint` rows a second and the portal `total`; the rest are counted, not logged.
 */
export interface RefusalBudget {
  /** Whether one more refusal for this endpoint name may be logged now. */
  admit(name: string): boolean;
}

export function refusalBudget(opts: { perEndpoint: number; total: number; now?: () => number }): RefusalBudget {
  const now = opts.now ?? Date.now;
  let second = -1;
  let total = 0;
  const counts = new Map<string, number>();
  return {
    admit(name) {
      const s = Math.floor(now() / 1000);
      if (s !== second) {
        second = s;
        total = 0;
        counts.clear();
      }
      const n = counts.get(name) ?? 0;
      if (total >= opts.total || n >= opts.perEndpoint) return false;
      total++;
      counts.set(name, n + 1);
      return true;
    },
  };
}
