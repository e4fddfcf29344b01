"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { RUN_COLORS } from "@/components/tracking/metric-chart";
import { apiFetch } from "@/components/ui/api";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/components/ui/dates";
import type { VersionSeries } from "./types";

export type RangeName = "hour" | "day" | "week";
export const RANGE_LABELS: Record<RangeName, string> = { hour: "Last hour", day: "Last day", week: "Last week" };

interface Series {
  range: RangeName;
  from: number;
  to: number;
  bucket_s: number;
  versions: VersionSeries[];
}

/** The window picker the charts and the drift panel share. */
export function RangePicker({ value, onChange, testId }: { value: RangeName; onChange: (r: RangeName) => void; testId?: string }) {
  return (
    <div className="inline-flex rounded-lg border border-slate-200 p-0.5" role="group" aria-label="Time range" data-testid={testId}>
      {(Object.keys(RANGE_LABELS) as RangeName[]).map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={value === r}
          onClick={() => onChange(r)}
          className={`whitespace-nowrap rounded-md px-2.5 py-1 text-xs font-medium ${value === r ? "bg-slate-900 text-white" : "text-slate-600 hover:bg-slate-100"}`}
        >
          {RANGE_LABELS[r]}
        </button>
      ))}
    </div>
  );
}

/** Axis labels in UTC, as every time in the portal: "14:05", or "12-07" over a week. */
const tick = (range: RangeName) => (t: number) => new Date(t).toISOString().slice(range === "week" ? 5 : 11, range === "week" ? 10 : 16);

/** One chart: one line per served version (or per percentile of each), on a shared time axis. */
function Chart({
  title,
  unit,
  series,
  lines,
  testId,
}: {
  title: string;
  unit: string;
  series: Series;
  lines: {
    key: string;
    label: string;
    color: string;
    dash?: string;
    value: (p: VersionSeries["points"][number]) => number;
    version: VersionSeries;
  }[];
  testId: string;
}) {
  // Rows keyed by time, one column per line; a bucket without requests is a gap, not a zero latency.
  const rows = new Map<number, Record<string, number>>();
  for (const l of lines) for (const p of l.version.points) rows.set(p.t, { ...(rows.get(p.t) ?? { t: p.t }), [l.key]: l.value(p) });
  const data = [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  return (
    <div data-testid={testId}>
      <h3 className="text-sm font-medium text-slate-700">
        {title} <span className="font-normal text-slate-400">({unit})</span>
      </h3>
      <div className="mt-1 h-48">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            <XAxis
              dataKey="t"
              type="number"
              domain={[series.from, series.to]}
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickFormatter={tick(series.range)}
            />
            <YAxis width={48} tick={{ fontSize: 11, fill: "#64748b" }} allowDecimals />
            <Tooltip labelFormatter={(t) => formatDateTime(Number(t))} contentStyle={{ fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {lines.map((l) => (
              <Line
                key={l.key}
                dataKey={l.key}
                name={l.label}
                stroke={l.color}
                strokeDasharray={l.dash}
                dot={data.length < 3}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Requests per second, error rate and latency percentiles per served version, from the request log. */
export function EndpointCharts({ name }: { name: string }) {
  const [range, setRange] = useState<RangeName>("hour");
  const q = useQuery({
    queryKey: ["serving-metrics", name, range],
    queryFn: () => apiFetch<Series>(`/api/serving/${encodeURIComponent(name)}/metrics?range=${range}`),
    refetchInterval: range === "hour" ? 30_000 : 300_000,
    retry: false,
  });
  const versions = q.data?.versions ?? [];
  const color = (i: number) => RUN_COLORS[i % RUN_COLORS.length] ?? "#0072B2";
  const label = (v: VersionSeries) => (v.model_version !== null ? `${v.served_entity} (v${v.model_version})` : v.served_entity);
  return (
    <Card
      title="Traffic and latency"
      description={
        q.data
          ? `Per served version, in ${q.data.bucket_s / 60}-minute buckets. Errors are answers with status 400 or above.`
          : "Per served version, from the request log."
      }
    >
      <div className="mb-3">
        <RangePicker value={range} onChange={setRange} testId="chart-range" />
      </div>
      {q.isPending ? (
        <p className="text-sm text-slate-500">Loading the charts…</p>
      ) : q.error ? (
        <p className="text-sm text-red-700">{q.error.message}</p>
      ) : versions.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="charts-empty">
          No requests in the {RANGE_LABELS[range].toLowerCase()}. Send one with “Try it” below or from code.
        </p>
      ) : (
        <div className="grid gap-6 lg:grid-cols-3">
          <Chart
            title="Requests per second"
            unit="req/s"
            series={q.data}
            testId="chart-rps"
            lines={versions.map((v, i) => ({
              key: `rps${i}`,
              label: label(v),
              color: color(i),
              value: (p) => round(p.rps, 3),
              version: v,
            }))}
          />
          <Chart
            title="Latency"
            unit="ms; solid p50, dashed p95, dotted p99"
            series={q.data}
            testId="chart-latency"
            lines={versions.flatMap((v, i) => [
              { key: `p50_${i}`, label: `${label(v)} p50`, color: color(i), value: (p) => round(p.p50, 1), version: v },
              { key: `p95_${i}`, label: `${label(v)} p95`, color: color(i), dash: "6 3", value: (p) => round(p.p95, 1), version: v },
              { key: `p99_${i}`, label: `${label(v)} p99`, color: color(i), dash: "2 3", value: (p) => round(p.p99, 1), version: v },
            ])}
          />
          <Chart
            title="Error rate"
            unit="% of requests"
            series={q.data}
            testId="chart-errors"
            lines={versions.map((v, i) => ({
              key: `err${i}`,
              label: label(v),
              color: color(i),
              value: (p) => round(p.error_rate * 100, 1),
              version: v,
            }))}
          />
        </div>
      )}
    </Card>
  );
}
