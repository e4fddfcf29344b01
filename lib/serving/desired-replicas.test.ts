import { describe, expect, it } from "vitest";
import type { ServedEntityRecord } from "@/db/schema";
import { desiredReplicas } from "./reconcile";

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
const at = (msAgo: number) => new Date(NOW - msAgo);

describe("how many replicas an entity wants (reconcile.ts)", () => {
  it("runs min_replicas, at least one, whether or not it is called", () => {
    expect(desiredReplicas(entity(), { lastInvokedAt: null, wakeRequestedAt: null }, NOW, IDLE)).toBe(1);
    expect(
      desiredReplicas(entity({ minReplicas: 3, maxReplicas: 4 }), { lastInvokedAt: at(10 * IDLE), wakeRequestedAt: null }, NOW, IDLE),
    ).toBe(3);
  });

  it("scales to zero after the idle time without a call, and wants one again on a call or a wake request", () => {
    const stz = entity({ scaleToZeroEnabled: true, minReplicas: 0 });
    expect(desiredReplicas(stz, { lastInvokedAt: null, wakeRequestedAt: null }, NOW, IDLE)).toBe(0);
    expect(desiredReplicas(stz, { lastInvokedAt: at(IDLE + 1), wakeRequestedAt: null }, NOW, IDLE)).toBe(0);
    expect(desiredReplicas(stz, { lastInvokedAt: at(IDLE - 1), wakeRequestedAt: null }, NOW, IDLE)).toBe(1);
    expect(desiredReplicas(stz, { lastInvokedAt: at(10 * IDLE), wakeRequestedAt: at(0) }, NOW, IDLE)).toBe(1);
  });
});
