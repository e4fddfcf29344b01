/**
 * How many replicas a served entity should run (docs/serving.md, "Replicas" and "Scaling under load"). Pure, so the
 * reconciler (reconcile.ts) holds no arithmetic of its own and every rule is checked without an engine.
 *
 * The floor: `min_replicas`, at least one unless the entity scales to zero and had no call (or wake request) for the
 * idle time. Above it, the load: the calls in flight on the entity's replicas, averaged over the last few seconds
 * from the request log (Little's law: the summed latency of the calls in a window over its length), over the target
 * per replica, rounded up, at most `max_replicas`. More load starts replicas at once; less load drains them only once
 * it has wanted fewer for the whole cool-down, so a pause between bursts does not stop replicas that are needed again.
 */
import type { ReconciledEndpoint } from "@/db/queries/serving-replicas";
import type { ServedEntityRecord } from "@/db/schema";

/** The minimum an entity runs now: its min_replicas, at least one unless it scaled to zero while idle. */
export function floorReplicas(
  entity: Pick<ServedEntityRecord, "scaleToZeroEnabled" | "minReplicas">,
  e: Pick<ReconciledEndpoint, "lastInvokedAt" | "wakeRequestedAt">,
  now: number,
  idleMs: number,
): number {
  if (!entity.scaleToZeroEnabled) return Math.max(1, entity.minReplicas);
  const lastCall = Math.max(e.lastInvokedAt?.getTime() ?? 0, e.wakeRequestedAt?.getTime() ?? 0);
  return Math.max(entity.minReplicas, now - lastCall < idleMs ? 1 : 0);
}

export interface LoadInput {
  /** The floor (floorReplicas) and the entity's max_replicas. */
  floor: number;
  max: number;
  /** Replicas starting or ready now. */
  current: number;
  /** Calls in flight on the entity, averaged over the load window. */
  concurrency: number;
  /** Calls in flight one replica should carry (ATRIUM_SERVING_TARGET_CONCURRENCY). */
  target: number;
  now: number;
  /** When the load last wanted `current` replicas or more; undefined: not known (a new leader), taken as now. */
  busyAt: number | undefined;
  /** How long the load must have wanted fewer before replicas drain (ATRIUM_SERVING_SCALE_DOWN_S). */
  cooldownMs: number;
}

/** The replicas an entity should have, and when its load last wanted as many as it has (the next call's busyAt). */
export function loadReplicas(x: LoadInput): { want: number; busyAt: number } {
  const top = Math.max(x.floor, x.max);
  // A tiny epsilon: 8 calls at a target of 4 are 2 replicas, not 3 because of rounding in the average.
  const byLoad = Math.min(top, Math.max(x.floor, Math.ceil(x.concurrency / x.target - 1e-9)));
  // Idle (scaled to zero) or at the floor: nothing to hold on to.
  if (x.floor === 0 && x.concurrency === 0) return { want: 0, busyAt: x.now };
  if (byLoad >= x.current) return { want: byLoad, busyAt: x.now };
  const busyAt = x.busyAt ?? x.now;
  if (x.now - busyAt < x.cooldownMs) return { want: Math.min(x.current, top), busyAt };
  return { want: byLoad, busyAt: x.now };
}

/**
 * The active config's entity a pending one takes over from: the one of the same name, else the one serving the same
 * registered model (a new version is a new default name), else the only one when each config serves one.
 */
export function replacedEntity(
  active: readonly Pick<ServedEntityRecord, "name" | "entityName">[],
  pending: Pick<ServedEntityRecord, "name" | "entityName">,
  pendingCount: number,
): string | undefined {
  return (
    active.find((a) => a.name === pending.name)?.name ??
    active.find((a) => a.entityName === pending.entityName)?.name ??
    (active.length === 1 && pendingCount === 1 ? active[0]?.name : undefined)
  );
}

/**
 * The replicas a pending config's entity starts with: as many as the entity it replaces has ready now, within its
 * own floor and max_replicas, so a rollout under load does not drop to the floor and wait for the scaler.
 */
export function rolloutReplicas(floor: number, max: number, replacingReady: number): number {
  return Math.min(Math.max(floor, max), Math.max(floor, replacingReady));
}
