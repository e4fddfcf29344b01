/**
 * An axis of the charts across runs, from a metric or a param: numbers where every value is one, else the
 * distinct values in order as categories. Each run gets a position on it, and a 0..1 place for parallel coordinates.
 */
import type { ChartRun } from "@/lib/tracking/overview/run-chart";
import { metricValue } from "./format";

export type AxisId = `metrics:${string}` | `params:${string}`;

export interface Axis {
  id: AxisId;
  label: string;
  /** The run's place on the axis (a number, or its category's index), null when it has no value. */
  position(run: ChartRun): number | null;
  /** position scaled to 0..1 over the domain (0.5 when every run has the same value). */
  normalised(run: ChartRun): number | null;
  domain: [number, number];
  /** Categorical axes tick at each category; numeric ones leave ticks to the chart. */
  ticks?: number[];
  tick(v: number): string;
}

export function parseAxisId(id: AxisId): { group: "metrics" | "params"; key: string } {
  const at = id.indexOf(":");
  return { group: id.slice(0, at) as "metrics" | "params", key: id.slice(at + 1) };
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

export function axisOf(runs: ChartRun[], id: AxisId): Axis {
  const { group, key } = parseAxisId(id);
  const raw = (r: ChartRun): number | string | undefined => (group === "metrics" ? r.metrics[key] : r.params[key]);
  const values = runs.map(raw).filter((v): v is number | string => v !== undefined);
  const numeric = values.every((v) => typeof v === "number" || NUMBER.test(v));
  const categories = numeric ? [] : [...new Set(values.map(String))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const position = (r: ChartRun): number | null => {
    const v = raw(r);
    if (v === undefined) return null;
    return numeric ? Number(v) : categories.indexOf(String(v));
  };
  const places = runs.map(position).filter((p): p is number => p !== null);
  const lo = places.length ? Math.min(...places) : 0;
  const hi = places.length ? Math.max(...places) : 1;
  return {
    id,
    label: key,
    position,
    normalised: (r) => {
      const p = position(r);
      return p === null ? null : hi === lo ? 0.5 : (p - lo) / (hi - lo);
    },
    domain: [lo, hi],
    ...(numeric ? {} : { ticks: categories.map((_, i) => i) }),
    tick: (v) => (numeric ? metricValue(v) : (categories[Math.round(v)] ?? "")),
  };
}
