import { invalidParam } from "../errors";

/**
 * A request's `max_results`, the one range check every MLflow listing makes: `fallback` when absent (or 0,
 * where `zeroIsUnset`: experiments/search reads proto's default 0 as "not given"), otherwise within
 * [1, max]; without `max` there is no upper bound (metrics/get-history).
 */
export function maxResults(n: number | undefined, fallback: number, max?: number, zeroIsUnset = false): number {
  if (n === undefined || (zeroIsUnset && n === 0)) return fallback;
  if (n < 1 || (max !== undefined && n > max)) {
    const bound = max === undefined ? "It must be at least 1." : `It must be at least 1 and at most ${max}.`;
    throw invalidParam(`Invalid value ${n} for parameter 'max_results' supplied. ${bound}`);
  }
  return n;
}
