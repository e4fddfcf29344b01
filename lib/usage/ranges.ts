import { z } from "zod";

/** Chart windows and the bucket each is averaged into (about 60 to 170 points per line). */
export const USAGE_RANGES = {
  "1h": { label: "Last hour", ms: 3_600_000, bucketS: 60 },
  "24h": { label: "Last 24 hours", ms: 86_400_000, bucketS: 600 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000, bucketS: 3_600 },
  "14d": { label: "Last 14 days", ms: 14 * 86_400_000, bucketS: 7_200 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

export const usageRangeSchema = z.enum(Object.keys(USAGE_RANGES) as [UsageRange, ...UsageRange[]]).catch("24h");

/** Every bucket start from the window's beginning to now, so missing minutes can be shown. */
export function bucketsOf(range: UsageRange, now = new Date()): Date[] {
  const { ms, bucketS } = USAGE_RANGES[range];
  const step = bucketS * 1000;
  const first = Math.floor((now.getTime() - ms) / step) * step + step;
  const out: Date[] = [];
  for (let t = first; t <= now.getTime(); t += step) out.push(new Date(t));
  return out;
}
