import { describe, expect, it } from "vitest";
import type { ServedEntityRecord } from "@/db/schema";
import { floorReplicas, loadReplicas, replacedEntity, rolloutReplicas, type LoadInput } from "./desired-replicas";

const entity = (extra: Partial<ServedEntityRecord> = {}): ServedEntityRecord => ({
  name: "churn-1",
  entityName: "churn",
  entityVersion: 1,
  entityAlias: null,
  workloadSize: "Small",
  cpu: 0.5,
  memGb: 1,
  scaleToZeroEnabled: false,
  minReplicas: 1,
  maxReplicas: 1,
  environmentId: null,
  ...extra,
});
const NOW = 1_800_000_000_000;
const IDLE = 60_000;
const COOL = 300_000;
const at = (msAgo: number) => new Date(NOW - msAgo);

describe("the floor: how many replicas an entity runs without load (desired-replicas.ts)", () => {
  it("runs min_replicas, at least one, whether or not it is called", () => {
    expect(floorReplicas(entity(), { lastInvokedAt: null, wakeRequestedAt: null }, NOW, IDLE)).toBe(1);
    expect(
      floorReplicas(entity({ minReplicas: 3, maxReplicas: 4 }), { lastInvokedAt: at(10 * IDLE), wakeRequestedAt: null }, NOW, IDLE),
    ).toBe(3);
  });

  it("scales to zero after the idle time without a call, and wants one again on a call or a wake request", () => {
    const stz = entity({ scaleToZeroEnabled: true, minReplicas: 0 });
    expect(floorReplicas(stz, { lastInvokedAt: null, wakeRequestedAt: null }, NOW, IDLE)).toBe(0);
    expect(floorReplicas(stz, { lastInvokedAt: at(IDLE + 1), wakeRequestedAt: null }, NOW, IDLE)).toBe(0);
    expect(floorReplicas(stz, { lastInvokedAt: at(IDLE - 1), wakeRequestedAt: null }, NOW, IDLE)).toBe(1);
    expect(floorReplicas(stz, { lastInvokedAt: at(10 * IDLE), wakeRequestedAt: at(0) }, NOW, IDLE)).toBe(1);
  });
});

describe("scaling with load between the floor and max_replicas (desired-replicas.ts)", () => {
  const base: LoadInput = { floor: 1, max: 4, current: 1, concurrency: 0, target: 4, now: NOW, busyAt: undefined, cooldownMs: COOL };
  const want = (x: Partial<LoadInput>) => loadReplicas({ ...base, ...x }).want;

  it("wants the calls in flight over the target per replica, rounded up, at once", () => {
    expect(want({ concurrency: 0 })).toBe(1);
    expect(want({ concurrency: 4 })).toBe(1);
    expect(want({ concurrency: 4.01 })).toBe(2);
    expect(want({ concurrency: 8 })).toBe(2);
    expect(want({ concurrency: 8.000000001 })).toBe(2);
    expect(want({ concurrency: 9 })).toBe(3);
    // From one straight to three: a surge is not met one replica a tick.
    expect(loadReplicas({ ...base, concurrency: 10 })).toEqual({ want: 3, busyAt: NOW });
  });

  it("never goes past max_replicas nor below the floor", () => {
    expect(want({ concurrency: 1000 })).toBe(4);
    expect(want({ floor: 2, concurrency: 0, current: 2 })).toBe(2);
    expect(want({ floor: 3, max: 3, concurrency: 100, current: 3 })).toBe(3);
  });

  it("keeps its replicas through the cool-down once the load drops, then drains to what the load wants", () => {
    const busyAt = NOW - COOL + 1;
    expect(loadReplicas({ ...base, current: 3, concurrency: 1, busyAt })).toEqual({ want: 3, busyAt });
    expect(loadReplicas({ ...base, current: 3, concurrency: 5, busyAt: NOW - COOL })).toEqual({ want: 2, busyAt: NOW });
    expect(loadReplicas({ ...base, current: 3, concurrency: 0, busyAt: NOW - COOL })).toEqual({ want: 1, busyAt: NOW });
  });

  it("restarts the cool-down whenever the load wants what it has again, and takes an unknown one (a new leader) as now", () => {
    expect(loadReplicas({ ...base, current: 2, concurrency: 8, busyAt: NOW - 10 * COOL })).toEqual({ want: 2, busyAt: NOW });
    expect(loadReplicas({ ...base, current: 2, concurrency: 0, busyAt: undefined })).toEqual({ want: 2, busyAt: NOW });
  });

  it("lets an idle scale-to-zero entity go to none, and a woken one grow under load", () => {
    expect(want({ floor: 0, current: 1, concurrency: 0, busyAt: NOW })).toBe(0);
    expect(want({ floor: 1, current: 1, concurrency: 6 })).toBe(2);
  });
});

describe("a rollout starts the new config at the replicas the old one has ready (desired-replicas.ts)", () => {
  it("starts as many as the replaced entity has ready, within the new entity's floor and max_replicas", () => {
    // Under load the old config runs 3: the new one starts 3, not its floor of 1.
    expect(rolloutReplicas(1, 4, 3)).toBe(3);
    expect(rolloutReplicas(1, 2, 3)).toBe(2);
    expect(rolloutReplicas(2, 4, 1)).toBe(2);
    // Nothing to replace (a first config, a new entity, the old one scaled to zero): its floor.
    expect(rolloutReplicas(1, 4, 0)).toBe(1);
    expect(rolloutReplicas(0, 4, 0)).toBe(0);
    // A floor above max_replicas cannot happen in a valid config; the floor wins, as in loadReplicas.
    expect(rolloutReplicas(3, 2, 1)).toBe(3);
  });

  it("takes over from the entity of the same name, else of the same registered model, else the only one", () => {
    const v3 = entity({ name: "churn-3", entityVersion: 3 });
    const fraud = entity({ name: "fraud-1", entityName: "fraud" });
    expect(replacedEntity([entity(), fraud], entity({ maxReplicas: 4 }), 2)).toBe("churn-1");
    expect(replacedEntity([fraud, entity()], v3, 2)).toBe("churn-1");
    expect(replacedEntity([fraud], v3, 1)).toBe("fraud-1");
    // Two entities now and a different model among them: nothing it replaces.
    expect(replacedEntity([fraud], v3, 2)).toBeUndefined();
    expect(replacedEntity([], v3, 1)).toBeUndefined();
  });
});
