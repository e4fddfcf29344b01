import type { Spawner } from "@/lib/spawner";
import { workspaceRef } from "@/lib/workspaces/workload";

export interface LiveUse {
  cpu: number;
  memBytes: number;
}

/** Engine stats calls at once: each takes about a second, and a busy engine slows them all. */
const DEFAULT_CONCURRENCY = 8;
const SAMPLE_TIMEOUT_MS = 5_000;

const keyOf = (user: string, server: string) => `${user}/${server}`;

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

/** A running server, by its owner's name and its own. */
export interface RunningServer {
  user: string;
  server: string;
}

/**
 * One engine stats reading per running server, at most `concurrency` at a time, so a table of 100
 * servers takes seconds rather than minutes. A server whose reading fails or is late is left out.
 */
export async function sampleLiveUse(
  spawner: Spawner,
  running: RunningServer[],
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Map<string, LiveUse>> {
  const out = new Map<string, LiveUse>();
  let next = 0;
  const worker = async () => {
    while (next < running.length) {
      const ref = running[next++];
      if (!ref) break;
      const use = await withTimeout(
        spawner.stats(workspaceRef({ user: ref.user, server: ref.server })).catch(() => undefined),
        SAMPLE_TIMEOUT_MS,
      );
      if (use) out.set(keyOf(ref.user, ref.server), use);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, running.length) }, worker));
  return out;
}

export const liveUseOf = (uses: Map<string, LiveUse>, ref: RunningServer) => uses.get(keyOf(ref.user, ref.server));
