/**
 * Which replica a call goes to (docs/serving.md, "Calling an endpoint"): a served entity drawn by the traffic
 * routes' percentages, then the replica of that entity with the fewest requests in flight (ties drawn at random).
 * Pure, so the split can be checked over thousands of picks without a network.
 */
import type { TrafficRouteRecord } from "@/db/schema";

export interface Replica {
  id: string;
  servedEntity: string;
  modelVersion: number;
  url: string;
}

/** A served entity by the routes' percentages; `random` in [0, 1). Undefined when no route has traffic. */
export function pickEntity(routes: readonly TrafficRouteRecord[], random: number): string | undefined {
  const total = routes.reduce((sum, r) => sum + Math.max(0, r.trafficPercentage), 0);
  if (total <= 0) return undefined;
  let point = random * total;
  for (const r of routes) {
    if (r.trafficPercentage <= 0) continue;
    point -= r.trafficPercentage;
    if (point < 0) return r.servedEntityName;
  }
  return routes.filter((r) => r.trafficPercentage > 0).at(-1)?.servedEntityName;
}

/** The least-loaded replica among `replicas`, skipping `exclude`; ties broken by `random` in [0, 1). */
export function pickReplica(
  replicas: readonly Replica[],
  inFlight: (id: string) => number,
  random: number,
  exclude?: string,
): Replica | undefined {
  let best: Replica[] = [];
  let least = Infinity;
  for (const r of replicas) {
    if (r.id === exclude) continue;
    const n = inFlight(r.id);
    if (n < least) {
      least = n;
      best = [r];
    } else if (n === least) best.push(r);
  }
  return best[Math.floor(random * best.length)];
}

/** Requests in flight per replica, the balancer's only state. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  get = (id: string): number => this.counts.get(id) ?? 0;
  add(id: string): void {
    this.counts.set(id, this.get(id) + 1);
  }
  done(id: string): void {
    const n = this.get(id) - 1;
    if (n > 0) this.counts.set(id, n);
    else this.counts.delete(id);
  }
}
