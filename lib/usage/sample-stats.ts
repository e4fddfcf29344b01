import type { Spawner, WorkloadRef } from "@/lib/spawner";

export interface LiveUse {
  cpu: number;
  memBytes: number;
}

/** Engine stats calls at once: each takes about a second, and a busy engine slows them all. */
const DEFAULT_CONCURRENCY = 8;
const SAMPLE_TIMEOUT_MS = 5_000;

/** The key a reading is kept under: the workload's kind and id. */
export const refKey = (ref: WorkloadRef) => `${ref.kind}/${ref.id}`;

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One engine stats reading per running workload (a server or a job execution), at most `concurrency`
 * at a time, so 100 of them take seconds rather than minutes. One whose reading fails or is late is left
 * out. Only the usage sampler calls this (lib/usage/sample.ts, lib/usage/live-readings.ts): pages read
 * what it found.
 */
export async function sampleLiveUse(
  spawner: Spawner,
  running: WorkloadRef[],
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Map<string, LiveUse>> {
  const out = new Map<string, LiveUse>();
  let next = 0;
  const worker = async () => {
    while (next < running.length) {
      const ref = running[next++];
      if (!ref) break;
      const use = await withTimeout(
        spawner.stats(ref).catch(() => undefined),
        SAMPLE_TIMEOUT_MS,
      );
      if (use) out.set(refKey(ref), use);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, running.length) }, worker));
  return out;
}
