import { num } from "@/components/workspaces/format";

interface BarProps {
  label: string;
  used: number;
  max: number;
  /** The fill turns red from this percentage (amber from 70 % unless `amber` is false). */
  red?: number;
  amber?: boolean;
  base?: "bg-brand-500" | "bg-emerald-500";
  /** The narrowest fill, in percent, once anything is used, so a small use still shows. */
  minPct?: number;
  /** With no limit (max 0), a use fills the whole bar. */
  fullWithoutMax?: boolean;
  size?: "sm" | "md";
  animate?: boolean;
}

/** The track and fill of every meter: how much of `max` is in use. */
function MeterBar({
  label,
  used,
  max,
  red = 90,
  amber = true,
  base = "bg-brand-500",
  minPct = 0,
  fullWithoutMax,
  size = "sm",
  animate,
}: BarProps) {
  const pct = max > 0 ? Math.min(100, (used / max) * 100) : fullWithoutMax && used > 0 ? 100 : 0;
  const tone = pct >= red ? "bg-red-500" : amber && pct >= 70 ? "bg-amber-500" : base;
  const height = size === "md" ? "h-2" : "h-1.5";
  return (
    <div
      className={`${size === "md" ? "mt-1.5" : "mt-1"} ${height} rounded-full bg-slate-100`}
      role="meter"
      aria-label={label}
      aria-valuenow={used}
      aria-valuemin={0}
      aria-valuemax={max}
    >
      {used > 0 && (
        <div
          className={`${height} rounded-full ${tone}${animate ? " transition-[width] duration-500" : ""}`}
          style={{ width: `${Math.max(pct, minPct)}%` }}
        />
      )}
    </div>
  );
}

/**
 * A labelled bar: how much of a limit is in use. `text` replaces the "used / max unit" figures, e.g.
 * for bytes that read better as "3.2 MiB of 10 GiB"; `size="sm"` is the small one of a workspace row.
 */
export function Meter({
  testId,
  unit = "",
  text,
  className,
  ...bar
}: BarProps & { unit?: string; text?: string; testId?: string; className?: string }) {
  const small = bar.size === "sm";
  return (
    <div className={className} data-testid={testId}>
      <div className={`flex items-baseline justify-between ${small ? "gap-2 text-xs" : "text-sm"}`}>
        <span className={`font-medium ${small ? "text-slate-600" : "text-slate-700"}`}>{bar.label}</span>
        <span className={`${small ? "truncate " : ""}tabular-nums text-slate-500`}>
          {text ?? `${fmt(bar.used)} / ${fmt(bar.max)} ${unit}`}
        </span>
      </div>
      <MeterBar {...bar} size={bar.size ?? "md"} />
    </div>
  );
}

/**
 * A compact bar for table cells, its figures above it and no label; `text` replaces "used / max unit".
 * Red only at the limit, and a use without a limit fills it.
 */
export function CellMeter({ width = "w-28", text, unit, ...bar }: BarProps & { width?: "w-28" | "w-32"; unit: string; text?: string }) {
  return (
    <div className={width}>
      <div className="text-xs tabular-nums text-slate-600">{text ?? `${num(bar.used)} / ${num(bar.max)} ${unit}`}</div>
      <MeterBar red={100} minPct={4} fullWithoutMax {...bar} />
    </div>
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
