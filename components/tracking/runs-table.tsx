"use client";

import { Button, buttonClass } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/dates";
import { PageButtons } from "@/components/ui/page-buttons";
import { SegmentedSwitch } from "@/components/ui/segmented-switch";
import { submitWith } from "@/components/ui/submit-with";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Fragment, useMemo, useState, type ReactNode } from "react";
import type { ColumnKeys } from "@/lib/tracking/overview/overview";
import { ColumnPicker, defaultColumns, splitColumnId, type ColumnId } from "./column-picker";
import { metricValue, runDuration, searchIdentifier } from "./format";
import { mlflowPost, type WireRun } from "./mlflow";
import { RunCharts } from "./run-charts";
import { RunStatus } from "./run-status";
import { parseRunsView, runsViewQuery, type RunsSort, type RunsView } from "./runs-view-url";

const PAGE_SIZE = 25;
const MAX_COMPARE = 10;

interface SearchResult {
  runs?: WireRun[];
  next_page_token?: string;
}

/** One experiment's runs: server-side filter, sort and paging through runs/search; pick columns; select runs to compare. */
export function RunsTable({ experimentId, keys }: { experimentId: string; keys: ColumnKeys }) {
  // Filter, sort and columns live in the URL (bookmarkable, shareable); paging and selection do not.
  // The URL is read once; afterwards the state leads and the URL follows through history.replaceState,
  // which Next keeps in step with useSearchParams without a server round trip.
  const searchParams = useSearchParams();
  const defaults = useMemo(() => defaultColumns(keys), [keys]);
  const [view, setViewState] = useState<RunsView>(() => parseRunsView(searchParams, defaults));
  const { filter, sort, columns } = view;
  const setView = (change: Partial<RunsView>) => {
    const next = { ...view, ...change };
    setViewState(next);
    const q = runsViewQuery(next, defaults, new URLSearchParams(window.location.search));
    window.history.replaceState(null, "", q ? `${window.location.pathname}?${q}` : window.location.pathname);
  };
  const [draft, setDraft] = useState(filter);
  // Table or charts: one filter drives both; the choice is in the URL (?display=charts) like the rest of the view.
  const [display, setDisplayState] = useState<"table" | "charts">(searchParams.get("display") === "charts" ? "charts" : "table");
  const setDisplay = (next: "table" | "charts") => {
    setDisplayState(next);
    const q = new URLSearchParams(window.location.search);
    if (next === "charts") q.set("display", "charts");
    else q.delete("display");
    const qs = q.toString();
    window.history.replaceState(null, "", qs ? `${window.location.pathname}?${qs}` : window.location.pathname);
  };
  // Tokens of the pages before the current one; the last entry is the current page's token.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<string[]>([]);
  const pageToken = tokens[tokens.length - 1];

  const runs = useQuery({
    queryKey: ["runs", experimentId, filter, sort, pageToken],
    queryFn: () =>
      mlflowPost<SearchResult>("runs/search", {
        experiment_ids: [experimentId],
        filter,
        order_by: sort ? [`${sort.by} ${sort.desc ? "DESC" : "ASC"}`] : [],
        max_results: PAGE_SIZE,
        page_token: pageToken,
      }),
    placeholderData: keepPreviousData,
    retry: false,
  });

  const resetPaging = () => setTokens([undefined]);
  const sortBy = (by: string) => {
    // First click sorts ascending, the second descending, the third goes back to newest first.
    const next: RunsSort | null = sort?.by !== by ? { by, desc: false } : sort.desc ? null : { by, desc: true };
    setView({ sort: next });
    resetPaging();
  };
  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= MAX_COMPARE ? s : [...s, id]));

  const page = runs.data?.runs ?? [];
  const first = (tokens.length - 1) * PAGE_SIZE + 1;
  const badFilter = runs.error && !runs.isFetching ? runs.error.message : null;

  const header = (label: ReactNode, by: string, align: "left" | "right" = "left") => {
    const active = sort?.by === by;
    return (
      <th
        className={`whitespace-nowrap px-3 py-2 font-medium ${align === "right" ? "text-right" : "text-left"}`}
        aria-sort={active ? (sort.desc ? "descending" : "ascending") : "none"}
      >
        <button
          type="button"
          onClick={() => sortBy(by)}
          className={`inline-flex items-center gap-1 hover:text-slate-900 ${active ? "text-slate-900" : ""}`}
        >
          {label}
          <span className="text-xs">{active ? sort.desc ? "▼" : "▲" : <span className="text-slate-300">↕</span>}</span>
        </button>
      </th>
    );
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-start gap-3">
        <form
          className="min-w-80 flex-1"
          onSubmit={submitWith(() => {
            setView({ filter: draft.trim() });
            resetPaging();
          })}
        >
          <div className="flex gap-2">
            <input
              aria-label="Filter runs"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="metrics.accuracy > 0.9 AND params.model = 'xgboost'"
              spellCheck={false}
              className={`min-w-0 flex-1 rounded-lg border px-3 py-1.5 font-mono text-sm ${badFilter ? "border-red-400 bg-red-50/40" : "border-slate-300"}`}
            />
            <Button type="submit">Filter</Button>
            {filter && (
              <Button
                variant="link-quiet"
                onClick={() => {
                  setDraft("");
                  setView({ filter: "" });
                  resetPaging();
                }}
              >
                Clear
              </Button>
            )}
          </div>
          {badFilter ? (
            <p role="alert" data-testid="filter-error" className="mt-1.5 text-sm text-red-700">
              {badFilter}
            </p>
          ) : (
            <p className="mt-1.5 text-xs text-slate-500">
              MLflow’s search syntax: <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code>;{" "}
              <code>= != &lt; &gt; LIKE ILIKE IN</code>; combine with AND, OR and parentheses.
            </p>
          )}
        </form>
        <DisplaySwitch display={display} onChange={setDisplay} />
        {display === "table" && (
          <>
            <ColumnPicker keys={keys} chosen={columns} onChange={(next) => setView({ columns: next })} />
            <CompareButton selected={selected} />
          </>
        )}
      </div>

      {display === "charts" ? (
        <RunCharts experimentId={experimentId} keys={keys} filter={filter} sort={sort} />
      ) : (
        <>
          <div
            className={`overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm transition-opacity ${runs.isFetching ? "opacity-60" : ""}`}
          >
            <table className="w-full text-sm" data-testid="runs-table">
              <thead className="bg-slate-50 text-slate-500">
                <tr>
                  <th className="w-8 px-3 py-2">
                    <span className="sr-only">Select</span>
                  </th>
                  {header("Run", "attributes.run_name")}
                  {header("Status", "attributes.status")}
                  {header("Started", "attributes.start_time")}
                  <th className="whitespace-nowrap px-3 py-2 text-left font-medium">Duration</th>
                  {header("User", "attributes.user_id")}
                  {columns.map((id) => {
                    const { group, key } = splitColumnId(id);
                    const label = (
                      <span>
                        <span className="mr-1 text-[10px] uppercase tracking-wide text-slate-400">
                          {group === "metrics" ? "metric" : group === "params" ? "param" : "tag"}
                        </span>
                        <span className="font-mono text-xs">{key}</span>
                      </span>
                    );
                    return (
                      <Fragment key={id}>{header(label, searchIdentifier(group, key), group === "metrics" ? "right" : "left")}</Fragment>
                    );
                  })}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.map((run) => (
                  <RunRow
                    key={run.info.run_id}
                    run={run}
                    columns={columns}
                    checked={selected.includes(run.info.run_id)}
                    onToggle={() => toggle(run.info.run_id)}
                    disabled={!selected.includes(run.info.run_id) && selected.length >= MAX_COMPARE}
                  />
                ))}
              </tbody>
            </table>
            {runs.isPending && <p className="px-4 py-6 text-center text-sm text-slate-500">Loading runs…</p>}
            {!runs.isPending && page.length === 0 && !badFilter && (
              <p className="px-4 py-8 text-center text-sm text-slate-500" data-testid="no-matching-runs">
                {filter
                  ? "No run matches this filter."
                  : tokens.length > 1
                    ? "No more runs."
                    : "No runs in this experiment yet. Log one from a notebook (see below)."}
              </p>
            )}
          </div>

          <div className="flex items-center justify-between text-sm text-slate-600">
            <span data-testid="page-range">{page.length > 0 ? `Runs ${first}–${first + page.length - 1}` : ""}</span>
            <PageButtons
              labels={["← Previous", "Next →"]}
              onPrevious={tokens.length <= 1 ? undefined : () => setTokens((t) => t.slice(0, -1))}
              onNext={
                !runs.data?.next_page_token || runs.isFetching ? undefined : () => setTokens((t) => [...t, runs.data?.next_page_token])
              }
            />
          </div>
        </>
      )}
    </div>
  );
}

function DisplaySwitch({ display, onChange }: { display: "table" | "charts"; onChange: (d: "table" | "charts") => void }) {
  return (
    <SegmentedSwitch
      label="Show runs as"
      value={display}
      onChange={onChange}
      testIdPrefix="display"
      options={[
        { value: "table", label: "Table" },
        { value: "charts", label: "Charts" },
      ]}
    />
  );
}

function CompareButton({ selected }: { selected: string[] }) {
  const ready = selected.length >= 2;
  const hint =
    selected.length === 0
      ? "Tick 2–10 runs to compare them"
      : selected.length === 1
        ? "Tick one more run"
        : `${selected.length} runs selected`;
  return (
    <div className="flex items-center gap-2">
      <span className="text-xs text-slate-500">{hint}</span>
      {ready ? (
        <Link href={`/compare?runs=${selected.join(",")}`} className={buttonClass()}>
          Compare
        </Link>
      ) : (
        <span aria-disabled="true" className={buttonClass("primary", "md", "cursor-not-allowed opacity-50")}>
          Compare
        </span>
      )}
    </div>
  );
}

function cellValue(run: WireRun, id: ColumnId): string | undefined {
  const { group, key } = splitColumnId(id);
  if (group === "metrics") {
    const m = run.data.metrics?.find((x) => x.key === key);
    return m ? metricValue(m.value) : undefined;
  }
  return run.data[group]?.find((x) => x.key === key)?.value;
}

function RunRow({
  run,
  columns,
  checked,
  onToggle,
  disabled,
}: {
  run: WireRun;
  columns: ColumnId[];
  checked: boolean;
  onToggle: () => void;
  disabled: boolean;
}) {
  const { info } = run;
  return (
    <tr data-testid="run-row" className={checked ? "bg-brand-50/50" : "hover:bg-slate-50/60"}>
      <td className="px-3 py-2">
        <input type="checkbox" aria-label={`Select ${info.run_name}`} checked={checked} disabled={disabled} onChange={onToggle} />
      </td>
      <td className="whitespace-nowrap px-3 py-2">
        <Link href={`/runs/${info.run_id}`} className="font-medium text-brand-700 hover:underline" data-testid="run-name">
          {info.run_name}
        </Link>
      </td>
      <td className="px-3 py-2">
        <RunStatus status={info.status} />
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{formatDateTime(info.start_time)}</td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{runDuration(info)}</td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-600">{info.user_id}</td>
      {columns.map((id) => {
        const v = cellValue(run, id);
        const metric = id.startsWith("metrics:");
        return (
          <td
            key={id}
            data-column={id}
            className={`max-w-48 truncate whitespace-nowrap px-3 py-2 ${metric ? "text-right font-mono tabular-nums" : "font-mono text-xs"}`}
            title={v}
          >
            {v ?? <span className="text-slate-300">–</span>}
          </td>
        );
      })}
    </tr>
  );
}
