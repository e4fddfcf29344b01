import Link from "next/link";
import { formatDateTime } from "@/components/ui/dates";
import type { TraceSummary } from "@atrium/core/lib/tracking/traces/operations";

/** The traces made in a run or linked to it (LinkTracesToRun); each opens on its experiment's Traces tab. */
export function RunTraces({ experimentId, traces }: { experimentId: string; traces: TraceSummary[] }) {
  if (traces.length === 0) return null;
  return (
    <section className="space-y-2" data-testid="run-traces">
      <h2 className="text-lg font-semibold text-slate-900">Traces</h2>
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm shadow-sm">
        {traces.map((t) => (
          <li key={t.traceId} className="flex items-center gap-3 px-4 py-2" data-testid="run-trace">
            <Link
              href={`/experiments/${experimentId}?tab=traces&trace=${encodeURIComponent(t.traceId)}`}
              className="font-medium text-sky-700 hover:underline"
            >
              {t.name ?? t.traceId}
            </Link>
            <span className="text-xs text-slate-500">{t.state}</span>
            {t.durationMs !== null && <span className="font-mono text-xs text-slate-500">{t.durationMs} ms</span>}
            <span className="max-w-md truncate font-mono text-xs text-slate-500">{t.requestPreview ?? ""}</span>
            <span className="ml-auto whitespace-nowrap text-xs text-slate-500">{formatDateTime(t.requestTime, { seconds: true })}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
