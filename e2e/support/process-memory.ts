import { readFileSync } from "node:fs";

/** The pids of a process and all its descendants (the portal's own, and the helpers it starts). */
export function processTree(pid: number): number[] {
  const out = [pid];
  let tasks: string[];
  try {
    tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    return out;
  }
  for (const child of tasks) out.push(...processTree(Number(child)));
  return out;
}

/** Resident memory of a process and its descendants, in bytes (VmRSS from /proc). */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

/** Samples treeRssBytes every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 100): { stop: () => number } {
  let peak = treeRssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssBytes(pid));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, treeRssBytes(pid));
    },
  };
}
