/** Small numeric helpers shared by the benchmarks (nearest-rank percentiles, fixed-width figures). */

/** Nearest-rank percentile of xs (NaN when empty). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** "1234 ms" or "0.42 ms" depending on size, so sub-millisecond proxy figures stay readable. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`;
}

/** "PASS" / "MISS" with the figure and the target, for the last lines of a benchmark. */
export function verdict(ok: boolean, text: string): string {
  return `${ok ? "PASS" : "MISS"}  ${text}`;
}

export const sleep = (msDelay: number) => new Promise<void>((r) => setTimeout(r, msDelay));
