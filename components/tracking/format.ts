/** Formatting and small pure helpers for the experiment pages (client and server). */

/** 950 → "950 ms", 1_500 → "1.5 s", 125_000 → "2 min 5 s", 7_380_000 → "2 h 3 min", beyond two days "3 days". */
export function duration(ms: number): string {
  if (ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
  const totalS = Math.round(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return totalS % 60 === 0 ? `${m} min` : `${m} min ${totalS % 60} s`;
  const h = Math.floor(m / 60);
  if (h >= 48) return `${Math.floor(h / 24)} days`;
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** A tick on an elapsed-time axis: 0 → "0", 45 → "45 s", 550 → "9.2 min", 9000 → "2.5 h". */
export function elapsedTick(seconds: number): string {
  if (seconds === 0) return "0";
  if (seconds < 120) return `${Number(seconds.toPrecision(3))} s`;
  if (seconds < 7200) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${Number((seconds / 3600).toFixed(1))} h`;
}

/** How long a run took, or has been running for (as of `now`). */
export function runDuration(info: { start_time: number; end_time?: number; status: string }, now = Date.now()): string {
  if (info.end_time !== undefined) return duration(info.end_time - info.start_time);
  return info.status === "RUNNING" ? `${duration(now - info.start_time)} so far` : "—";
}

/** A metric value a person can compare at a glance: 4 significant digits, NaN and infinities spelled out. */
export function metricValue(v: number | string): string {
  const n = typeof v === "number" ? v : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v === "NaN" ? NaN : Number(v);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  if (Number.isInteger(n) && Math.abs(n) < 1e9) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return n.toExponential(3);
  return String(Number(n.toPrecision(4)));
}

export type ColumnKind = "metrics" | "params" | "tags" | "attributes";

/**
 * An identifier in MLflow's search grammar: plain keys stay bare, others are back-quoted so
 * `metrics.\`val loss\`` and `tags.\`mlflow.user\`` parse.
 */
export function searchIdentifier(kind: ColumnKind, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key}\``;
}

/** The run's status as a short label and a colour for the badge. */
export function statusTone(status: string): string {
  switch (status) {
    case "FINISHED":
      return "bg-emerald-50 text-emerald-700 ring-emerald-200";
    case "RUNNING":
      return "bg-blue-50 text-blue-700 ring-blue-200";
    case "FAILED":
      return "bg-red-50 text-red-700 ring-red-200";
    case "KILLED":
      return "bg-amber-50 text-amber-800 ring-amber-200";
    default:
      return "bg-slate-100 text-slate-700 ring-slate-200";
  }
}
