import type { ServerView } from "@atrium/core/lib/workspaces/view";

const TONES: Record<ServerView["status"], string> = {
  pending: "bg-amber-50 text-amber-800 ring-amber-200",
  running: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  stopping: "bg-slate-100 text-slate-700 ring-slate-200",
  stopped: "bg-slate-100 text-slate-600 ring-slate-200",
  failed: "bg-red-50 text-red-700 ring-red-200",
};

const LABELS: Record<ServerView["status"], string> = {
  pending: "starting",
  running: "running",
  stopping: "stopping",
  stopped: "stopped",
  failed: "failed",
};

export function StatusBadge({ status }: { status: ServerView["status"] }) {
  return (
    <span
      data-testid="server-status"
      data-status={status}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[status]}`}
    >
      <span
        className={`h-1.5 w-1.5 rounded-full ${status === "running" ? "bg-emerald-500" : status === "pending" ? "animate-pulse bg-amber-500" : status === "failed" ? "bg-red-500" : "bg-slate-400"}`}
      />
      {LABELS[status]}
    </span>
  );
}
