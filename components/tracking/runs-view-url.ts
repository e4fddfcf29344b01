/**
 * The runs table's view (filter, sort, chosen columns) as URL query parameters, so a view can be
 * bookmarked, shared with a colleague and survives a reload, as MLflow's own UI does.
 *   ?filter=metrics.acc%20%3E%200.9&sort=metrics.acc&desc=1&cols=metrics:acc,params:lr
 * Absent parameters mean the defaults; `cols=` (empty) means no extra columns at all.
 */
import type { ColumnId } from "./column-picker";

export interface RunsSort {
  /** An order_by identifier in MLflow's grammar, e.g. `metrics.acc` or `attributes.start_time`. */
  by: string;
  desc: boolean;
}

export interface RunsView {
  filter: string;
  sort: RunsSort | null;
  columns: ColumnId[];
}

const COLUMN = /^(metrics|params|tags):.+$/;

export function parseRunsView(params: URLSearchParams, defaultColumns: ColumnId[]): RunsView {
  const by = params.get("sort");
  const cols = params.get("cols");
  return {
    filter: params.get("filter") ?? "",
    sort: by ? { by, desc: params.get("desc") === "1" } : null,
    // A hand-edited URL may carry anything; only well-formed column ids are kept.
    columns: cols === null ? defaultColumns : cols.split(",").filter((c): c is ColumnId => COLUMN.test(c)),
  };
}

/** The query string for a view, keeping unrelated parameters and leaving defaults out. */
export function runsViewQuery(view: RunsView, defaultColumns: ColumnId[], base: URLSearchParams = new URLSearchParams()): string {
  const params = new URLSearchParams(base);
  for (const k of ["filter", "sort", "desc", "cols"]) params.delete(k);
  if (view.filter) params.set("filter", view.filter);
  if (view.sort) {
    params.set("sort", view.sort.by);
    if (view.sort.desc) params.set("desc", "1");
  }
  if (view.columns.join(",") !== defaultColumns.join(",")) params.set("cols", view.columns.join(","));
  return params.toString();
}
