import type { ExecutionState } from "@/db/schema";

const TONES: Record<ExecutionState, { badge: string; dot: string }> = {
  queued: { badge: "bg-amber-50 text-amber-800 ring-amber-200", dot: "animate-pulse bg-amber-500" },
  running: { badge: "bg-sky-50 text-sky-800 ring-sky-200", dot: "animate-pulse bg-sky-500" },
  succeeded: { badge: "bg-emerald-50 text-emerald-800 ring-emerald-200", dot: "bg-emerald-500" },
  failed: { badge: "bg-red-50 text-red-700 ring-red-200", dot: "bg-red-500" },
  timed_out: { badge: "bg-red-50 text-red-700 ring-red-200", dot: "bg-red-500" },
  cancelled: { badge: "bg-slate-100 text-slate-600 ring-slate-200", dot: "bg-slate-400" },
};

/** An execution's state in its colour: waiting amber, running blue, success green, failure red. */
export function ExecutionStateBadge({ state }: { state: ExecutionState }) {
  const tone = TONES[state];
  return (
    <span
      data-state={state}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone.badge}`}
    >
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full ${tone.dot}`} />
      {state}
    </span>
  );
}

/** Whether a page showing these states changes by itself soon. */
export const isLive = (state: ExecutionState | undefined) => state === "queued" || state === "running";
