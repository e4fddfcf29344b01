"use client";

import { DataTable } from "@/components/ui/data-table";
import { useState } from "react";
import type { CompareStatus, PackageComparison } from "@/lib/packages/compare";

const TONE: Record<CompareStatus, { bar: string; row: string; label: (l: string, r: string) => string }> = {
  different: { bar: "bg-amber-400", row: "bg-amber-50", label: () => "different version" },
  "only-left": { bar: "bg-sky-500", row: "bg-sky-50", label: (l) => `only in ${l}` },
  "only-right": { bar: "bg-violet-500", row: "bg-violet-50", label: (_l, r) => `only in ${r}` },
  same: { bar: "bg-slate-300", row: "", label: () => "same version" },
};
const ORDER: CompareStatus[] = ["different", "only-left", "only-right", "same"];

/** A stacked bar of how alike the two environments are, then the rows, differences first by default. */
export function CompareView({ comparison, left, right }: { comparison: PackageComparison; left: string; right: string }) {
  const [showSame, setShowSame] = useState(false);
  const total = comparison.rows.length || 1;
  const rows = comparison.rows.filter((r) => showSame || r.status !== "same");
  return (
    <div className="space-y-4">
      <div>
        <div
          className="flex h-4 overflow-hidden rounded-full bg-slate-100"
          role="img"
          aria-label="How the two environments' packages compare"
          data-testid="compare-bar"
        >
          {ORDER.map((s) =>
            comparison.counts[s] ? (
              <div
                key={s}
                className={TONE[s].bar}
                style={{ width: `${(comparison.counts[s] / total) * 100}%` }}
                title={`${comparison.counts[s]} ${TONE[s].label(left, right)}`}
              />
            ) : null,
          )}
        </div>
        <ul className="mt-2 flex flex-wrap gap-4 text-xs text-slate-600" data-testid="compare-counts">
          {ORDER.map((s) => (
            <li key={s} className="flex items-center gap-1.5">
              <span className={`inline-block h-2.5 w-2.5 rounded-sm ${TONE[s].bar}`} />
              <strong className="tabular-nums text-slate-800">{comparison.counts[s]}</strong> {TONE[s].label(left, right)}
            </li>
          ))}
        </ul>
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" checked={showSame} onChange={(e) => setShowSame(e.target.checked)} /> Also show the {comparison.counts.same}{" "}
        packages that are the same
      </label>
      {rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600">
          Both environments have exactly the same packages.
        </p>
      ) : (
        <DataTable
          testId="compare-table"
          columns={["Package", left, right]}
          head="text-left text-xs uppercase tracking-wide text-slate-400"
          cell="py-2 pr-4 font-medium"
        >
          {rows.map((r) => (
            <tr key={r.name} className={`${TONE[r.status].row} border-t border-slate-100`}>
              <td className="py-1.5 pr-4 font-mono text-slate-800">{r.name}</td>
              <td className="py-1.5 pr-4 font-mono text-slate-600">{r.left ?? "—"}</td>
              <td className="py-1.5 pr-4 font-mono text-slate-600">{r.right ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
