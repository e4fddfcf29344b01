/**
 * The latest engine readings of running workloads, kept in the process (docs/architecture.md, the `usage`
 * row). The usage sampler fills them every ATRIUM_USAGE_SAMPLE_S; the admin servers table reads them and
 * never asks the engine on a page view, because an engine stats reading waits about two seconds per
 * container (issue 26). Readings belong to the spawner that took them, so a test's engine is its own.
 */
import type { Spawner, WorkloadRef } from "@/lib/spawner";
import { partKey, runtime } from "@/lib/runtime/context";
import { refKey, sampleLiveUse, type LiveUse } from "./sample-stats";

export interface LiveReading extends LiveUse {
  /** When it was read, epoch ms. */
  at: number;
}

/** Readings kept at most (one per running workload; a bound all the same). */
const MAX_READINGS = 10_000;

export class LiveReadings {
  private readings = new Map<string, LiveReading>();
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private reading = new Map<string, Promise<LiveReading>>();

  /** Replaces every reading with one pass's: a workload it did not read (stopped, or its reading failed) has none now. */
  record(uses: ReadonlyMap<string, LiveUse>, at: number): void {
    this.readings = new Map([...uses].slice(0, MAX_READINGS).map(([key, use]) => [key, { ...use, at }]));
    this.refreshedAt = at;
  }

  of(ref: WorkloadRef): LiveReading | undefined {
    return this.readings.get(refKey(ref));
  }

  /** Milliseconds since the last full pass (Infinity before the first). */
  age(now = Date.now()): number {
    return now - this.refreshedAt;
  }

  /** A full pass over `running`, unless one is under way (then that one). */
  refresh(spawner: Spawner, running: WorkloadRef[]): Promise<void> {
    this.refreshing ??= sampleLiveUse(spawner, running)
      .then((uses) => this.record(uses, Date.now()))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * One workload's reading no older than `maxAgeMs`: the kept one, else one engine reading (shared by
   * concurrent callers) that is kept for the next. The engine's errors (not running, unreachable) are thrown.
   */
  async fresh(spawner: Spawner, ref: WorkloadRef, maxAgeMs: number, now = Date.now()): Promise<LiveReading> {
    const key = refKey(ref);
    const kept = this.readings.get(key);
    if (kept && now - kept.at <= maxAgeMs) return kept;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = spawner.stats(ref).then((use) => {
        const reading = { ...use, at: Date.now() };
        if (this.readings.size >= MAX_READINGS) this.readings.delete(this.readings.keys().next().value ?? "");
        this.readings.set(key, reading);
        return reading;
      });
      this.reading.set(key, pending);
      void pending.then(
        () => this.reading.delete(key),
        () => this.reading.delete(key),
      );
    }
    return pending;
  }
}

const LIVE_READINGS = partKey<WeakMap<Spawner, LiveReadings>>("usage: live readings per spawner");

/** The readings taken through `spawner` in this process. */
export function liveReadings(spawner: Spawner): LiveReadings {
  const bySpawner = runtime.part(LIVE_READINGS, () => new WeakMap<Spawner, LiveReadings>());
  let readings = bySpawner.get(spawner);
  if (!readings) {
    readings = new LiveReadings();
    bySpawner.set(spawner, readings);
  }
  return readings;
}

/**
 * The kept readings of `running`, for a page. When they are older than `staleAfterMs` (a replica that is
 * not the leader runs no sampler; or the sampler failed) one pass is started in the background and the
 * page gets what is kept now: the engine is asked at most once per `staleAfterMs`, never per view.
 */
export function keptReadings(spawner: Spawner, running: WorkloadRef[], staleAfterMs: number): LiveReadings {
  const readings = liveReadings(spawner);
  if (running.length > 0 && readings.age() > staleAfterMs) {
    readings.refresh(spawner, running).catch((err: unknown) => console.error("[atrium] usage: cannot read live use:", err));
  }
  return readings;
}
