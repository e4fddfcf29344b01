import { readFileSync } from "node:fs";

/**
 * Watches a portal while a test attacks it: `GET /api/health` one request after another with a pause
 * of `healthEveryMs` between them (so a slow answer shows as its own latency, never as overlapping
 * requests), and the resident memory of the portal's process (VmRSS in /proc) every `rssEveryMs`.
 * `phase` labels what comes next, so a test can compare the peak of one phase with another's.
 */
export interface HealthPoll {
  at: number;
  ms: number;
  /** HTTP status; 0 when the request failed or timed out. */
  status: number;
  /** The body's `status` ("ok" | "degraded"), or what went wrong. */
  says: string;
  phase: string;
}

export interface RssSample {
  at: number;
  bytes: number;
  phase: string;
}

/** The resident memory of one process, in bytes (VmRSS); 0 once it is gone. */
export function processRssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export interface PortalWatch {
  phase(name: string): void;
  stop(): Promise<{ health: HealthPoll[]; rss: RssSample[] }>;
}

export function watchPortal(
  url: string,
  pid: number,
  opts: { healthEveryMs?: number; rssEveryMs?: number; timeoutMs?: number } = {},
): PortalWatch {
  let phase = "start";
  let stopped = false;
  const health: HealthPoll[] = [];
  const rss: RssSample[] = [];
  const sample = () => rss.push({ at: Date.now(), bytes: processRssBytes(pid), phase });
  sample();
  const timer = setInterval(sample, opts.rssEveryMs ?? 100);
  const polling = (async () => {
    while (!stopped) {
      const at = Date.now();
      let status = 0;
      let says: string;
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
        status = res.status;
        says = ((await res.json()) as { status?: string }).status ?? "no status";
      } catch (err) {
        says = String(err);
      }
      health.push({ at, ms: Date.now() - at, status, says, phase });
      await new Promise((r) => setTimeout(r, opts.healthEveryMs ?? 250));
    }
  })();
  return {
    phase: (name) => {
      phase = name;
    },
    stop: async () => {
      stopped = true;
      await polling;
      clearInterval(timer);
      sample();
      return { health, rss };
    },
  };
}
