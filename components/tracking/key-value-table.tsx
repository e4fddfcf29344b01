import type { ReactNode } from "react";

/** A two-column key/value list; `muted` keys (e.g. mlflow.* system tags) are drawn in grey. */
export function KeyValueTable({
  rows,
  empty,
  muted,
  testId,
}: {
  rows: { key: string; value: ReactNode }[];
  empty: string;
  muted?: (key: string) => boolean;
  testId?: string;
}) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <table className="w-full text-sm" data-testid={testId}>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={r.key}>
            <th
              scope="row"
              className={`w-2/5 py-1.5 pr-3 text-left font-mono text-xs font-normal ${muted?.(r.key) ? "text-slate-400" : "text-slate-600"}`}
            >
              {r.key}
            </th>
            <td className="break-all py-1.5 font-mono text-xs text-slate-900">{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
