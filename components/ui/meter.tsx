/** A labelled bar: how much of a limit is in use. */
/** `text` replaces the "used / max unit" figures, e.g. for bytes that read better as "3.2 MiB of 10 GiB". */
export function Meter({
  label,
  used,
  max,
  unit,
  text,
  testId,
}: {
  label: string;
  used: number;
  max: number;
  unit: string;
  text?: string;
  testId?: string;
}) {
  const pct = max > 0 ? Math.min(100, (used / max) * 100) : 0;
  const tone = pct >= 90 ? "bg-red-500" : pct >= 70 ? "bg-amber-500" : "bg-brand-500";
  return (
    <div data-testid={testId}>
      <div className="flex items-baseline justify-between text-sm">
        <span className="font-medium text-slate-700">{label}</span>
        <span className="tabular-nums text-slate-500">{text ?? `${fmt(used)} / ${fmt(max)} ${unit}`}</span>
      </div>
      <div
        className="mt-1.5 h-2 rounded-full bg-slate-100"
        role="meter"
        aria-label={label}
        aria-valuenow={used}
        aria-valuemin={0}
        aria-valuemax={max}
      >
        <div className={`h-2 rounded-full ${tone}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
