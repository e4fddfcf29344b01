"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { apiFetch } from "@/components/ui/api";
import { Card } from "@/components/ui/card";
import type { ColumnKeys } from "@/lib/tracking/overview/overview";
import type { ChartData, ChartRun } from "@/lib/tracking/overview/run-chart";
import { metricValue } from "./format";
import { RUN_COLORS } from "./metric-chart";
import { axisOf, parseAxisId, type Axis, type AxisId } from "./run-chart-axes";
import type { RunsSort } from "./runs-view-url";

const MAX_PARALLEL_PARAMS = 6;
const selectClass = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm";

/**
 * Charts across the runs the runs table's filter selects (the same filter and order, GET /api/experiments/<id>/chart):
 * a metric per run as bars, one value against another as a scatter, and parallel coordinates from params to a metric.
 */
export function RunCharts({
  experimentId,
  keys,
  filter,
  sort,
}: {
  experimentId: string;
  keys: ColumnKeys;
  filter: string;
  sort: RunsSort | null;
}) {
  const first = keys.metrics[0] ?? "";
  const [barMetric, setBarMetric] = useState(first);
  const [x, setX] = useState<AxisId>(keys.params[0] ? `params:${keys.params[0]}` : `metrics:${keys.metrics[1] ?? first}`);
  const [y, setY] = useState<AxisId>(`metrics:${first}`);
  const [parallelParams, setParallelParams] = useState<string[]>(keys.params.slice(0, 4));
  const [parallelMetric, setParallelMetric] = useState(first);

  const metrics = unique([barMetric, parallelMetric, ...[x, y].filter((a) => a.startsWith("metrics:")).map((a) => parseAxisId(a).key)]);
  const params = unique([...parallelParams, ...[x, y].filter((a) => a.startsWith("params:")).map((a) => parseAxisId(a).key)]);
  const query = new URLSearchParams({ filter, metrics: metrics.join(","), params: params.join(",") });
  if (sort) {
    query.set("sort", sort.by);
    if (sort.desc) query.set("desc", "1");
  }
  const data = useQuery({
    queryKey: ["run-chart", experimentId, query.toString()],
    queryFn: () => apiFetch<ChartData>(`/api/experiments/${experimentId}/chart?${query.toString()}`),
    placeholderData: keepPreviousData,
    retry: false,
  });

  if (keys.metrics.length === 0 && keys.params.length === 0) {
    return <p className="text-sm text-slate-500">No run in this experiment has metrics or parameters to chart yet.</p>;
  }
  if (data.isPending) return <p className="text-sm text-slate-500">Loading charts…</p>;
  if (data.isError) {
    return (
      <p role="alert" className="text-sm text-red-700">
        {data.error.message}
      </p>
    );
  }
  const { runs, capped, limit } = data.data;
  const axisOptions = (
    <>
      <optgroup label="Metrics">
        {keys.metrics.map((k) => (
          <option key={k} value={`metrics:${k}`}>
            {k}
          </option>
        ))}
      </optgroup>
      <optgroup label="Parameters">
        {keys.params.map((k) => (
          <option key={k} value={`params:${k}`}>
            {k}
          </option>
        ))}
      </optgroup>
    </>
  );
  return (
    <div className={`space-y-4 ${data.isFetching ? "opacity-60" : ""}`} data-testid="run-charts">
      <p className="text-sm text-slate-600" data-testid="chart-run-count">
        {runs.length === 0
          ? filter
            ? "No run matches this filter."
            : "No runs to chart yet."
          : capped
            ? `Charting the first ${limit} runs the filter selects, in the table's order; narrow the filter to chart the others.`
            : `Charting ${runs.length === 1 ? "1 run" : `${runs.length} runs`}${filter ? (runs.length === 1 ? " that matches the filter" : " that match the filter") : ""}.`}
      </p>
      {runs.length > 0 && (
        <div className="grid gap-4 xl:grid-cols-2">
          <Card
            title="Metric per run"
            action={
              <select
                aria-label="Bar chart metric"
                className={selectClass}
                value={barMetric}
                onChange={(e) => setBarMetric(e.target.value)}
              >
                {keys.metrics.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
            }
          >
            <MetricBars runs={runs} metric={barMetric} />
          </Card>
          <Card
            title="Scatter"
            action={
              <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
                <label className="flex items-center gap-1">
                  X
                  <select aria-label="Scatter X" className={selectClass} value={x} onChange={(e) => setX(e.target.value as AxisId)}>
                    {axisOptions}
                  </select>
                </label>
                <label className="flex items-center gap-1">
                  Y
                  <select aria-label="Scatter Y" className={selectClass} value={y} onChange={(e) => setY(e.target.value as AxisId)}>
                    {axisOptions}
                  </select>
                </label>
              </div>
            }
          >
            <RunScatter runs={runs} x={axisOf(runs, x)} y={axisOf(runs, y)} />
          </Card>
          <div className="min-w-0 xl:col-span-2">
            <Card
              title="Parallel coordinates"
              description={`Each line is a run: its parameters, then the metric it reached (up to ${MAX_PARALLEL_PARAMS} parameters).`}
            >
              <div className="mb-3 flex flex-wrap items-center gap-3 text-sm">
                <fieldset className="flex flex-wrap items-center gap-2">
                  <legend className="sr-only">Parameters</legend>
                  {keys.params.map((k) => (
                    <label key={k} className="flex items-center gap-1 font-mono text-xs">
                      <input
                        type="checkbox"
                        checked={parallelParams.includes(k)}
                        disabled={!parallelParams.includes(k) && parallelParams.length >= MAX_PARALLEL_PARAMS}
                        onChange={() => setParallelParams((p) => (p.includes(k) ? p.filter((q) => q !== k) : [...p, k]))}
                      />
                      {k}
                    </label>
                  ))}
                </fieldset>
                <label className="flex items-center gap-1 text-slate-600">
                  →
                  <select
                    aria-label="Parallel coordinates metric"
                    className={selectClass}
                    value={parallelMetric}
                    onChange={(e) => setParallelMetric(e.target.value)}
                  >
                    {keys.metrics.map((k) => (
                      <option key={k}>{k}</option>
                    ))}
                  </select>
                </label>
              </div>
              <ParallelCoordinates
                runs={runs}
                axes={[...parallelParams.map((p) => axisOf(runs, `params:${p}`)), axisOf(runs, `metrics:${parallelMetric}`)]}
              />
            </Card>
          </div>
        </div>
      )}
    </div>
  );
}

const unique = (xs: string[]) => [...new Set(xs.filter((s) => s !== ""))];

function MetricBars({ runs, metric }: { runs: ChartRun[]; metric: string }) {
  const rows = runs.filter((r) => metric in r.metrics).map((r) => ({ name: r.name, value: r.metrics[metric] ?? 0 }));
  if (rows.length === 0) return <p className="text-sm text-slate-500">No run has {metric || "a metric"}.</p>;
  return (
    <div style={{ height: 260 }} data-testid="chart-bars" data-points={rows.length}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 10, fill: "#64748b" }} interval="preserveStartEnd" />
          <YAxis width={56} tick={{ fontSize: 11, fill: "#64748b" }} tickFormatter={(v: number) => metricValue(v)} />
          <Tooltip formatter={(v) => metricValue(Number(v))} contentStyle={{ fontSize: 12 }} />
          <Bar dataKey="value" name={metric} fill={RUN_COLORS[0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function RunScatter({ runs, x, y }: { runs: ChartRun[]; x: Axis; y: Axis }) {
  const points = runs.flatMap((r) => {
    const px = x.position(r);
    const py = y.position(r);
    return px === null || py === null ? [] : [{ name: r.name, x: px, y: py }];
  });
  if (points.length === 0)
    return (
      <p className="text-sm text-slate-500">
        No run has both {x.label} and {y.label}.
      </p>
    );
  const tick = (a: Axis) => (v: number) => a.tick(v);
  return (
    <div style={{ height: 260 }} data-testid="chart-scatter" data-points={points.length}>
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            name={x.label}
            domain={x.domain}
            ticks={x.ticks}
            tickFormatter={tick(x)}
            tick={{ fontSize: 11, fill: "#64748b" }}
            label={{ value: x.label, position: "insideBottom", offset: -8, fontSize: 11, fill: "#475569" }}
          />
          <YAxis
            dataKey="y"
            type="number"
            name={y.label}
            width={56}
            domain={y.domain}
            ticks={y.ticks}
            tickFormatter={tick(y)}
            tick={{ fontSize: 11, fill: "#64748b" }}
          />
          <Tooltip
            cursor={{ strokeDasharray: "3 3" }}
            contentStyle={{ fontSize: 12 }}
            formatter={(v, name) => (name === x.label ? x.tick(Number(v)) : y.tick(Number(v)))}
            labelFormatter={() => ""}
          />
          <Scatter data={points} fill={RUN_COLORS[0]} isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Our own SVG: one vertical axis per parameter and the metric last, each run a line coloured by its metric. */
function ParallelCoordinates({ runs, axes }: { runs: ChartRun[]; axes: Axis[] }) {
  const metric = axes[axes.length - 1];
  if (axes.length < 2 || !metric) return <p className="text-sm text-slate-500">Tick at least one parameter to draw lines.</p>;
  const W = 800;
  const H = 260;
  const top = 24;
  const bottom = 28;
  const left = 48;
  const right = 48;
  const gap = (W - left - right) / (axes.length - 1);
  const yOf = (t: number) => top + (1 - t) * (H - top - bottom);
  const lines = runs.flatMap((r) => {
    const ts = axes.map((a) => a.normalised(r));
    if (ts.some((t) => t === null)) return [];
    const metricT = ts[ts.length - 1] ?? 0;
    return [{ r, points: ts.map((t, i) => `${left + i * gap},${yOf(t ?? 0)}`).join(" "), color: heat(metricT) }];
  });
  return (
    <div className="overflow-x-auto">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="h-64 w-full min-w-[36rem]"
        role="img"
        aria-label={`Parallel coordinates of ${lines.length} runs`}
        data-testid="chart-parallel"
        data-lines={lines.length}
      >
        {lines.map(({ r, points, color }) => (
          <polyline key={r.runId} points={points} fill="none" stroke={color} strokeOpacity={0.7} strokeWidth={1.5}>
            <title>{r.name}</title>
          </polyline>
        ))}
        {axes.map((a, i) => {
          const ax = left + i * gap;
          return (
            <g key={a.id} fontSize={11} fill="#475569">
              <line x1={ax} x2={ax} y1={top} y2={H - bottom} stroke="#94a3b8" />
              <text x={ax} y={14} textAnchor="middle" fontFamily="monospace" fill="#0f172a">
                {a.label.length > 18 ? `${a.label.slice(0, 17)}…` : a.label}
              </text>
              <text x={ax + 4} y={top + 4} fontSize={10}>
                {a.tick(a.domain[1])}
              </text>
              <text x={ax + 4} y={H - bottom + 14} fontSize={10}>
                {a.tick(a.domain[0])}
              </text>
            </g>
          );
        })}
      </svg>
      {lines.length < runs.length && (
        <p className="text-xs text-slate-500">{runs.length - lines.length} runs lack one of these values and are not drawn.</p>
      )}
    </div>
  );
}

/** Low metric values blue, high ones orange (Okabe–Ito's ends), so the good runs' paths stand out. */
function heat(t: number): string {
  const from = [0x00, 0x72, 0xb2];
  const to = [0xe6, 0x9f, 0x00];
  const c = from.map((f, i) => Math.round(f + ((to[i] ?? f) - f) * t));
  return `rgb(${c.join(",")})`;
}
