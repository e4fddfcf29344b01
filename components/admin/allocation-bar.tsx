import { num } from "@/components/workspaces/format";

/** A compact "held of limit" bar for table cells; red when at the limit. */
/** `text` replaces the "used / max unit" figures (bytes read better as "3.2 MiB / 10 GiB"). */
export function AllocationBar({ used, max, unit, label, text }: { used: number; max: number; unit: string; label: string; text?: string }) {
  const pct = max > 0 ? Math.min(100, (used / max) * 100) : used > 0 ? 100 : 0;
  const tone = pct >= 100 ? "bg-red-500" : pct >= 70 ? "bg-amber-500" : "bg-brand-500";
  return (
    <div className="w-28">
      <div className="text-xs tabular-nums text-slate-600">{text ?? `${num(used)} / ${num(max)} ${unit}`}</div>
      <div
        className="mt-1 h-1.5 rounded-full bg-slate-100"
        role="meter"
        aria-label={label}
        aria-valuenow={used}
        aria-valuemin={0}
        aria-valuemax={max}
      >
        {pct > 0 && <div className={`h-1.5 rounded-full ${tone}`} style={{ width: `${Math.max(pct, 4)}%` }} />}
      </div>
    </div>
  );
}
