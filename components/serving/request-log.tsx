"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button, buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import type { RequestView } from "./types";

const PAGE = 25;

interface Filters {
  status: string;
  version: string;
  caller: string;
  from: string;
  to: string;
}
const NONE: Filters = { status: "", version: "", caller: "", from: "", to: "" };

/** The filters as the API's query string; the date-time inputs are read as UTC, as every time on the page is. */
export function filterQuery(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.status) q.set("status", f.status);
  if (f.version) q.set("version", f.version);
  if (f.caller.trim()) q.set("caller", f.caller.trim());
  for (const key of ["from", "to"] as const) {
    const t = f[key] ? new Date(`${f[key]}Z`) : null;
    if (t && !Number.isNaN(t.getTime())) q.set(key, t.toISOString());
  }
  return q;
}

const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

/** Every request the endpoint answered, newest first: filter, page, open a row's sampled bodies, export as JSON Lines. */
export function RequestLog({ name, versions }: { name: string; versions: string[] }) {
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  // The page tokens of the pages before this one: "Newer" pops, "Older" pushes.
  const [tokens, setTokens] = useState<string[]>([]);
  const [openId, setOpenId] = useState<number | null>(null);
  const base = `/api/serving/${encodeURIComponent(name)}/requests`;
  const token = tokens.at(-1);
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["serving-requests", name, filters, token],
    queryFn: () => {
      const params = filterQuery(filters);
      params.set("limit", String(PAGE));
      if (token) params.set("page_token", token);
      return apiFetch<{ requests: RequestView[]; next_page_token?: string }>(`${base}?${params}`);
    },
    placeholderData: keepPreviousData,
    retry: false,
    // The newest page follows new calls while it is open; older pages stay as they were read.
    refetchInterval: token ? false : 15_000,
  });
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });
  // Applying the same filters again reads the log again: the way to see calls made a moment ago.
  const apply = () => {
    setFilters(draft);
    setTokens([]);
    void client.invalidateQueries({ queryKey: ["serving-requests", name] });
  };
  const exportHref = `${base}/export?${filterQuery(filters)}`;
  return (
    <Card
      title="Request log"
      description="Every request: when, who, which served version, status and latency; a sample of bodies is kept as the endpoint's logging settings say. Only you and admins see it."
    >
      <form
        className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
        data-testid="log-filters"
      >
        <label className="text-sm">
          <span className="font-medium text-slate-700">Status</span>
          <select value={draft.status} onChange={set("status")} className={input} name="status">
            <option value="">any</option>
            <option value="ok">answered (below 400)</option>
            <option value="error">errors (400 and above)</option>
            <option value="400">400</option>
            <option value="500">500</option>
            <option value="503">503</option>
            <option value="504">504</option>
          </select>
        </label>
        <label className="text-sm">
          <span className="font-medium text-slate-700">Served version</span>
          <select value={draft.version} onChange={set("version")} className={input} name="version">
            <option value="">any</option>
            {versions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="font-medium text-slate-700">Caller</span>
          <input value={draft.caller} onChange={set("caller")} className={input} name="caller" placeholder="user name" />
        </label>
        <label className="text-sm">
          <span className="font-medium text-slate-700">From (UTC)</span>
          <input type="datetime-local" value={draft.from} onChange={set("from")} className={input} name="from" />
        </label>
        <label className="text-sm">
          <span className="font-medium text-slate-700">Until (UTC)</span>
          <input type="datetime-local" value={draft.to} onChange={set("to")} className={input} name="to" />
        </label>
        <div className="flex items-end gap-2">
          <Button type="submit" size="md" data-testid="apply-filters">
            Filter
          </Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(NONE);
              setFilters(NONE);
              setTokens([]);
            }}
          >
            Clear
          </Button>
        </div>
        <div className="col-span-2 flex items-end sm:col-span-3 lg:col-span-6">
          <a href={exportHref} className={buttonClass("secondary", "sm", "whitespace-nowrap")} data-testid="export-log" download>
            Export these as JSON Lines
          </a>
        </div>
      </form>
      <div className="mt-4">
        {q.error ? (
          <p className="text-sm text-red-700">{q.error.message}</p>
        ) : (
          <DataTable
            testId="request-log"
            columns={[
              "Time",
              "Caller",
              "Served version",
              { label: "Status", className: "text-right" },
              { label: "Latency", className: "text-right" },
              "",
            ]}
            head="text-left text-slate-500"
            cell="py-1.5 pr-4 font-medium"
            {...(q.data && q.data.requests.length === 0 ? { empty: "No requests match these filters." } : {})}
          >
            {(q.data?.requests ?? []).map((r) => (
              <Fragment key={r.id}>
                <tr data-testid="log-row">
                  <td className="whitespace-nowrap py-2 pr-4 tabular-nums text-slate-700">{formatDateTime(r.time, { seconds: true })}</td>
                  <td className="pr-4">
                    {r.caller}
                    {r.token_id && <span className="block text-xs text-slate-400">token {r.token_id}</span>}
                  </td>
                  <td className="pr-4 font-mono text-xs">
                    {r.served_entity ?? <span className="font-sans text-slate-500">refused</span>}
                    {r.shadow && <span className="ml-1 rounded bg-slate-100 px-1 font-sans text-slate-600">shadow</span>}
                  </td>
                  <td
                    className={`pr-4 text-right tabular-nums ${r.status >= 400 ? "text-red-700" : "text-slate-700"}`}
                    data-testid="log-status"
                  >
                    {r.status}
                  </td>
                  <td className="whitespace-nowrap pr-4 text-right tabular-nums">{Math.round(r.latency_ms)} ms</td>
                  <td>
                    {(r.request_sample !== null || r.response_sample !== null) && (
                      <Button variant="link" onClick={() => setOpenId(openId === r.id ? null : r.id)} aria-expanded={openId === r.id}>
                        {openId === r.id ? "Hide bodies" : "Bodies"}
                      </Button>
                    )}
                  </td>
                </tr>
                {openId === r.id && (
                  <tr>
                    <td colSpan={6} className="pb-3">
                      <div className="grid gap-3 md:grid-cols-2">
                        {(["request_sample", "response_sample"] as const).map((k) => (
                          <div key={k}>
                            <p className="text-xs font-medium text-slate-500">{k === "request_sample" ? "Request" : "Response"}</p>
                            <pre className="max-h-60 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs">
                              {r[k] ?? "not sampled"}
                            </pre>
                          </div>
                        ))}
                      </div>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </DataTable>
        )}
      </div>
      <div className="mt-3 flex items-center justify-between gap-2 text-sm text-slate-500">
        <span>
          Page {tokens.length + 1}
          {q.isFetching ? " · loading…" : ""}
        </span>
        <div className="flex gap-2">
          <Button variant="secondary" size="sm" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
            Newer
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={!q.data?.next_page_token}
            onClick={() => q.data?.next_page_token && setTokens([...tokens, q.data.next_page_token])}
            data-testid="older"
          >
            Older
          </Button>
        </div>
      </div>
      <p className="mt-2 text-xs text-slate-500">
        The export holds the newest 100,000 requests matching the filters; narrow the time range for older ones.
      </p>
    </Card>
  );
}
