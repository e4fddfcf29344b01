import type { ReactNode } from "react";

/** A header cell: its text, or its label with classes of its own (e.g. "text-right") added to the row's. */
export type Column = string | { label: ReactNode; className?: string };

/**
 * One header row over the caller's rows; `empty`, when given, is one centred row across every column.
 * `head` and `cell` style the header row and its cells (default: a panel's grey band). A table wider
 * than its box (a phone's screen) scrolls inside the box rather than widening the page. `panel` draws
 * the table as a card of its own, with `footer` under the table inside it.
 */
export function DataTable(props: {
  testId?: string;
  columns: Column[];
  head?: string;
  cell?: string;
  empty?: ReactNode;
  panel?: boolean;
  footer?: ReactNode;
  children: ReactNode;
}) {
  const { columns, cell = "px-4 py-2.5 font-medium", empty, panel } = props;
  const table = (
    <table className="w-full text-sm" data-testid={props.testId}>
      <thead className={props.head ?? "bg-slate-50 text-left text-slate-500"}>
        <tr>
          {columns.map((c, i) => {
            const { label, className } = typeof c === "string" ? { label: c } : c;
            return (
              <th key={i} className={`whitespace-nowrap ${className ? `${cell} ${className}` : cell}`}>
                {label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {props.children}
        {empty && (
          <tr>
            <td colSpan={columns.length} className="py-8 text-center text-slate-500">
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
  // relative: the box is what an sr-only header label is placed against, so it cannot widen the page either.
  const scroller = <div className="relative overflow-x-auto">{table}</div>;
  if (!panel) return scroller;
  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
      {scroller}
      {props.footer}
    </div>
  );
}
