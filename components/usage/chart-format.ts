import { formatDateTime } from "@/components/ui/dates";
import { num } from "@/components/workspaces/format";

/** Tick labels: hours and minutes within a day, the date for longer windows (UTC, as the pages say). */
export function timeTick(rangeMs: number) {
  return (t: number) => {
    const iso = new Date(t).toISOString();
    return rangeMs <= 86_400_000 ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  };
}

export const fullTime = (t: unknown) => formatDateTime(Number(t));

export const amount = (unit: string) => (v: unknown) => (typeof v === "number" ? `${num(v)} ${unit}` : "no sample");

/** Distinct, colour-blind-friendly enough fills for the roles (Tableau 10). */
export const ROLE_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"];
