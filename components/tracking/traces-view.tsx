"use client";

import { CodeBlock } from "@/components/ui/code-block";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import { PageButtons } from "@/components/ui/page-buttons";
import { submitWith } from "@/components/ui/submit-with";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { spanTree, type SpanDict, type SpanNode } from "./span-tree";

/** The browser's side of MLflow 3's trace API (docs/mlflow-rest.md §8), with the session cookie. */
async function traceApi<T>(path: string, init?: { method: string; body: unknown }): Promise<T> {
  const res = await fetch(`/ajax-api/${path}`, {
    method: init?.method ?? "GET",
    headers: init ? { "content-type": "application/json" } : {},
    body: init ? JSON.stringify(init.body) : undefined,
    cache: "no-store",
  });
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `The server answered ${res.status}.`);
  return body;
}

interface Assessment {
  assessment_id: string;
  assessment_name: string;
  source?: { source_type?: string; source_id?: string };
  feedback?: { value?: unknown; error?: { error_message?: string } };
  expectation?: { value?: unknown };
  rationale?: string;
  valid?: boolean;
}

interface TraceInfo {
  trace_id: string;
  request_preview?: string;
  response_preview?: string;
  request_time: string;
  execution_duration?: string;
  state: string;
  tags?: Record<string, string>;
  assessments?: Assessment[];
}

const PAGE_SIZE = 50;
const durationMs = (d: string | undefined) => (d ? Math.round(Number(d.replace(/s$/, "")) * 1000) : null);
const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v, null, 2));

function StateBadge({ state }: { state: string }) {
  const colour =
    state === "OK" ? "bg-emerald-100 text-emerald-800" : state === "ERROR" ? "bg-red-100 text-red-700" : "bg-amber-100 text-amber-800";
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${colour}`}>{state === "IN_PROGRESS" ? "in progress" : state}</span>;
}

/** What to do when there are no traces: MLflow's own decorator, pointed at this experiment. */
function EmptyTraces({ experimentName }: { experimentName: string }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="traces-empty">
      <p className="font-medium text-slate-800">No traces in this experiment yet.</p>
      <p className="mt-1">
        Decorate the functions of your app with MLflow&apos;s tracer; every call becomes a trace with its spans, inputs and outputs:
      </p>
      <CodeBlock
        testId="traces-snippet"
        text={`import mlflow

mlflow.set_experiment("${experimentName}")

@mlflow.trace
def answer(question: str) -> str:
    return "42"

answer("What is the meaning of life?")`}
      />
      <p className="mt-2 text-xs text-slate-500">
        Autologgers (mlflow.openai.autolog(), mlflow.langchain.autolog(), …) and any OpenTelemetry exporter sending to /v1/traces work too.
      </p>
    </div>
  );
}

function SpanRow({ node, open, onToggle }: { node: SpanNode; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr className="cursor-pointer hover:bg-slate-50" onClick={onToggle} data-testid="span-row">
        <td className="whitespace-nowrap px-3 py-1.5" style={{ paddingLeft: `${0.75 + node.depth * 1.25}rem` }}>
          <span className="mr-1 text-slate-400">{open ? "▾" : "▸"}</span>
          <span className="font-medium text-slate-800">{node.name}</span>
          {node.type && (
            <span className="ml-2 rounded bg-slate-100 px-1 text-[10px] uppercase tracking-wide text-slate-500">{node.type}</span>
          )}
          {node.status === "ERROR" && <span className="ml-2 text-xs text-red-700">error</span>}
        </td>
        <td className="w-1/2 px-3 py-1.5">
          <div className="relative h-3 rounded bg-slate-100">
            <div
              className={`absolute h-3 rounded ${node.status === "ERROR" ? "bg-red-400" : "bg-sky-500"}`}
              style={{ left: `${node.offsetPct}%`, width: `${node.widthPct}%` }}
              data-testid="span-bar"
            />
          </div>
        </td>
        <td className="whitespace-nowrap px-3 py-1.5 text-right font-mono text-xs text-slate-600">
          {node.durationMs === null ? "…" : `${node.durationMs.toFixed(1)} ms`}
        </td>
      </tr>
      {open && (
        <tr className="bg-slate-50">
          <td colSpan={3} className="px-3 py-2">
            <div className="grid gap-3 md:grid-cols-2">
              {Object.entries({ Inputs: node.inputs, Outputs: node.outputs }).map(([label, value]) => (
                <div key={label}>
                  <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
                  <pre className="mt-1 max-h-60 overflow-auto rounded bg-white p-2 text-xs" data-testid={`span-${label.toLowerCase()}`}>
                    {value === undefined ? "—" : shown(value)}
                  </pre>
                </div>
              ))}
            </div>
            <p className="mt-1 text-xs text-slate-500">Starts {node.startMs.toFixed(1)} ms into the trace.</p>
          </td>
        </tr>
      )}
    </>
  );
}

function AssessmentList({ items }: { items: Assessment[] }) {
  if (items.length === 0) return <p className="text-sm text-slate-500">No assessments.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm" data-testid="assessments">
      {items.map((a) => (
        <li key={a.assessment_id} className={`py-2 ${a.valid === false ? "opacity-50" : ""}`}>
          <span className="font-medium text-slate-800">{a.assessment_name}</span>{" "}
          <span className="font-mono text-slate-700">
            {a.feedback
              ? a.feedback.error
                ? `error: ${a.feedback.error.error_message ?? ""}`
                : shown(a.feedback.value)
              : shown(a.expectation?.value)}
          </span>
          <span className="ml-2 text-xs text-slate-500">
            {a.feedback ? "feedback" : "expectation"} · {a.source?.source_type ?? "?"}
            {a.source?.source_id ? ` (${a.source.source_id})` : ""}
            {a.valid === false ? " · overridden" : ""}
          </span>
          {a.rationale && <p className="mt-0.5 text-xs text-slate-600">{a.rationale}</p>}
        </li>
      ))}
    </ul>
  );
}

/** One trace: its span tree as a waterfall, each span's inputs and outputs, and the trace's assessments. */
function TraceDetail({ traceId, onClose }: { traceId: string; onClose?: () => void }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const info = useQuery({
    queryKey: ["trace", traceId],
    queryFn: () => traceApi<{ trace: { trace_info: TraceInfo } }>(`3.0/mlflow/traces/${traceId}`),
  });
  const data = useQuery({
    queryKey: ["trace-data", traceId],
    queryFn: () => traceApi<{ spans?: SpanDict[] }>(`3.0/mlflow/get-trace-artifact?request_id=${encodeURIComponent(traceId)}`),
  });
  const t = info.data?.trace.trace_info;
  const nodes = spanTree(data.data?.spans ?? []);
  return (
    <section className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="trace-detail">
      <div className="flex items-start justify-between gap-3">
        <div>
          <h2 className="text-lg font-semibold text-slate-900">{t?.tags?.["mlflow.traceName"] ?? "Trace"}</h2>
          <p className="font-mono text-xs text-slate-500">{traceId}</p>
          {t && (
            <p className="mt-1 text-sm text-slate-600">
              <StateBadge state={t.state} /> · {formatDateTime(t.request_time, { seconds: true })} ·{" "}
              {durationMs(t.execution_duration) ?? "…"} ms
            </p>
          )}
        </div>
        {onClose && (
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        )}
      </div>
      {(info.error ?? data.error) && <p className="text-sm text-red-700">{String((info.error ?? data.error)?.message)}</p>}
      <DataTable
        testId="span-tree"
        columns={["Span", "Timeline", { label: "Duration", className: "text-right" }]}
        head="text-left text-xs text-slate-500"
        cell="px-3 py-1 font-medium"
      >
        {nodes.map((n) => (
          <SpanRow
            key={n.id}
            node={n}
            open={open.has(n.id)}
            onToggle={() =>
              setOpen((prev) => {
                const next = new Set(prev);
                if (next.has(n.id)) next.delete(n.id);
                else next.add(n.id);
                return next;
              })
            }
          />
        ))}
      </DataTable>
      {data.isSuccess && nodes.length === 0 && <p className="text-sm text-slate-500">This trace has no span data yet.</p>}
      <div>
        <h3 className="text-sm font-semibold text-slate-800">Assessments</h3>
        <AssessmentList items={t?.assessments ?? []} />
      </div>
    </section>
  );
}

/** An experiment's traces: MLflow's search grammar in the filter box, newest first, click one to open it. */
export function TracesView({
  experimentId,
  experimentName,
  initialTrace,
}: {
  experimentId: string;
  experimentName: string;
  initialTrace?: string;
}) {
  const [draft, setDraft] = useState("");
  const [filter, setFilter] = useState("");
  const [tokens, setTokens] = useState<string[]>([]);
  const [selected, setSelectedState] = useState<string | undefined>(initialTrace);
  // The opened trace is in the address (`?trace=`), so a reload, a copied link or Back keeps it open.
  const setSelected = (id: string | undefined) => {
    setSelectedState(id);
    const url = new URL(window.location.href);
    if (id === undefined) url.searchParams.delete("trace");
    else url.searchParams.set("trace", id);
    window.history.replaceState(window.history.state, "", url);
  };
  const page = tokens[tokens.length - 1];
  const traces = useQuery({
    queryKey: ["traces", experimentId, filter, page],
    queryFn: () =>
      traceApi<{ traces?: TraceInfo[]; next_page_token?: string }>("3.0/mlflow/traces/search", {
        method: "POST",
        body: {
          locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } }],
          filter,
          max_results: PAGE_SIZE,
          page_token: page,
        },
      }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const rows = traces.data?.traces ?? [];
  const next = traces.data?.next_page_token;
  const empty = traces.isSuccess && rows.length === 0 && filter === "" && tokens.length === 0;
  return (
    <div className="space-y-3" data-testid="traces-view">
      <form
        onSubmit={submitWith(() => {
          setFilter(draft.trim());
          setTokens([]);
        })}
        className="flex gap-2"
      >
        <input
          aria-label="Filter traces"
          data-testid="trace-filter"
          className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-1.5 font-mono text-sm"
          placeholder="attributes.status = 'OK' AND tags.env = 'prod' AND execution_time_ms > 100"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <Button type="submit">Search</Button>
      </form>
      {traces.error && (
        <p role="alert" className="text-sm text-red-700" data-testid="trace-filter-error">
          {traces.error.message}
        </p>
      )}
      {empty ? (
        <EmptyTraces experimentName={experimentName} />
      ) : (
        <DataTable
          testId="traces-table"
          columns={["Trace", "Request", "State", { label: "Duration", className: "text-right" }, "Time"]}
          cell="px-3 py-2 font-medium"
          panel
          footer={
            traces.isSuccess &&
            rows.length === 0 && <p className="px-4 py-6 text-center text-sm text-slate-500">No traces match this filter.</p>
          }
        >
          {rows.map((t) => (
            <tr
              key={t.trace_id}
              className={`cursor-pointer hover:bg-slate-50 ${selected === t.trace_id ? "bg-sky-50" : ""}`}
              onClick={() => setSelected(t.trace_id)}
              data-testid="trace-row"
            >
              <td className="px-3 py-2">
                <span className="font-medium text-slate-800">{t.tags?.["mlflow.traceName"] ?? "—"}</span>
                <span className="block font-mono text-[11px] text-slate-400">{t.trace_id}</span>
              </td>
              <td className="max-w-md truncate px-3 py-2 font-mono text-xs text-slate-600">{t.request_preview ?? ""}</td>
              <td className="px-3 py-2">
                <StateBadge state={t.state} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right font-mono text-xs">{durationMs(t.execution_duration) ?? "…"} ms</td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-600">{formatDateTime(t.request_time, { seconds: true })}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <PageButtons
        className={`justify-end text-sm ${empty ? "hidden" : ""}`}
        labels={["Previous", "Next"]}
        onPrevious={tokens.length === 0 ? undefined : () => setTokens((t) => t.slice(0, -1))}
        onNext={next ? () => setTokens((t) => [...t, next]) : undefined}
      />
      {selected && <TraceDetail traceId={selected} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
