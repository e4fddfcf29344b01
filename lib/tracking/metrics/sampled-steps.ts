/**
 * Which steps a chart request samples, as MLflow's `get_metric_history_bulk_interval` picks them
 * (mlflow/store/tracking/abstract_store.py; the handler's `_get_sampled_steps` before it): of the distinct
 * steps in [start, end], all of them when there are at most `maxResults`; otherwise the ones at positions
 * `int(i * (n / maxResults))` for i < maxResults, plus the last. Each run's first and last step within the
 * range are always added. JavaScript numbers are Python floats, so the positions are the same.
 */

/** Positions (0-based, ascending) of the picked steps among `n` distinct steps; null when all are kept. */
export function sampledPositions(n: number, maxResults: number): number[] | null {
  if (n <= maxResults) return null;
  const interval = n / maxResults;
  const picked = new Set<number>();
  for (let i = 0; i < maxResults; i++) {
    const idx = Math.trunc(i * interval);
    if (idx < n) picked.add(idx);
  }
  picked.add(n - 1);
  return [...picked].sort((a, b) => a - b);
}

/** The range sampled: the asked one, else 0 to the largest step of any run (0 when none). */
export function sampledRange(
  start: number | null,
  end: number | null,
  runBounds: readonly { max: number }[],
): { start: number; end: number } {
  if (start !== null && end !== null) return { start, end };
  return { start: 0, end: runBounds.length > 0 ? Math.max(...runBounds.map((b) => b.max)) : 0 };
}

/** The picked steps with each run's first and last step inside the range, ascending and distinct. */
export function withRunBounds(
  picked: readonly number[],
  runBounds: readonly { min: number; max: number }[],
  range: { start: number; end: number },
): number[] {
  const steps = new Set(picked);
  for (const b of runBounds) for (const s of [b.min, b.max]) if (s >= range.start && s <= range.end) steps.add(s);
  return [...steps].sort((a, b) => a - b);
}
