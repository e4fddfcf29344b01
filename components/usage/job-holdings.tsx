import { DataTable } from "@/components/ui/data-table";
import { cpus, gib } from "@/components/workspaces/format";
import type { Holding } from "@atrium/core/lib/quota/holdings";

/**
 * The running job executions among what is held now (lib/quota/holdings.ts): they count against quota
 * like workspaces, so the pages that list workspaces list them too. `owners`: a column of whose they are.
 */
export function JobHoldings({ rows, owners, testId }: { rows: Holding[]; owners: boolean; testId: string }) {
  const jobs = rows.filter((r) => r.kind === "job");
  return (
    <DataTable
      testId={testId}
      panel
      columns={[
        ...(owners ? ["Owner"] : []),
        "Job",
        "Execution",
        { label: "CPU", className: "text-right" },
        { label: "Memory", className: "text-right" },
      ]}
      empty={jobs.length === 0 ? "No job execution is running." : undefined}
    >
      {jobs.map((r) => (
        <tr key={r.executionId} data-testid={`job-holding-${r.name}`}>
          {owners && <td className="px-4 py-2.5 text-slate-700">{r.ownerName}</td>}
          <td className="px-4 py-2.5 font-medium text-slate-900">{r.name}</td>
          <td className="px-4 py-2.5 font-mono text-xs text-slate-500">{r.executionId}</td>
          <td className="px-4 py-2.5 text-right tabular-nums">{cpus(r.cpu)}</td>
          <td className="px-4 py-2.5 text-right tabular-nums">{gib(r.memGb)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
