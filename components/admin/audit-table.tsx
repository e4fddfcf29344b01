import type { AuditView } from "@atrium/core/lib/audit/search";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";

const TONE: Record<string, string> = {
  user: "bg-sky-50 text-sky-700",
  role: "bg-violet-50 text-violet-700",
  token: "bg-amber-50 text-amber-800",
  server: "bg-emerald-50 text-emerald-700",
  environment: "bg-slate-100 text-slate-700",
};

/** "cpu 1 · memGb 2 · environment python"; before/after pairs as "role user → power". */
function describeDetail(detail: Record<string, unknown>): string {
  const before = detail.before as Record<string, unknown> | null | undefined;
  const after = detail.after as Record<string, unknown> | undefined;
  if (after && typeof after === "object") {
    const changes = Object.keys(after)
      .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after[k]))
      .map((k) => `${k} ${before ? `${short(before[k])} → ` : ""}${short(after[k])}`);
    return changes.length ? changes.join(" · ") : "no change";
  }
  return Object.entries(detail)
    .map(([k, v]) => `${k} ${short(v)}`)
    .join(" · ");
}

function short(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length ? entries.map(([k, x]) => `${k}=${short(x)}`).join(", ") : "none";
  }
  return String(v);
}

export function AuditTable({ items, empty }: { items: AuditView[]; empty: string }) {
  return (
    <DataTable
      testId="audit-table"
      columns={["Time", "Who", "Action", "Target", "Details"]}
      head="text-left text-slate-500"
      cell="pr-4 font-medium first:py-2 last:pr-0"
      empty={items.length === 0 && empty}
    >
      {items.map((e) => (
        <tr key={e.id} data-testid="audit-row">
          <td className="whitespace-nowrap py-2 pr-4 tabular-nums text-slate-600">{formatDateTime(e.at, { seconds: true })}</td>
          <td className="pr-4 font-medium text-slate-900">{e.actor}</td>
          <td className="pr-4">
            <span
              className={`rounded px-1.5 py-0.5 font-mono text-xs ${TONE[e.action.split(".")[0] ?? ""] ?? "bg-slate-100 text-slate-700"}`}
            >
              {e.action}
            </span>
          </td>
          <td className="pr-4 text-slate-700">{e.target ?? "—"}</td>
          <td className="max-w-md truncate text-slate-500" title={JSON.stringify(e.detail)}>
            {describeDetail(e.detail)}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
