"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { SegmentedSwitch } from "@/components/ui/segmented-switch";
import { duration, elapsedTick, metricValue } from "./format";
import { useMetricSeries, type RunSeries } from "./metric-series";

export type XAxisMode = "step" | "time";

/** Distinct, colour-blind-friendly line colours (Okabe–Ito), in the order runs are listed. */
export const RUN_COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#8c564b", "#7f7f7f"];

interface Plotted {
  x: number;
  value: number;
}

/** x is the step, or seconds since the run's first point (so runs started at different times line up). */
function plotted(series: RunSeries, mode: XAxisMode): Plotted[] {
  const t0 = series.points[0]?.timestamp ?? 0;
  return series.points.map((p) => ({ x: mode === "step" ? p.step : (p.timestamp - t0) / 1000, value: p.value }));
}

/** One metric's history for one or more runs, drawn as lines on one chart. */
export function MetricChart({
  metricKey,
  runs,
  mode,
  height = 220,
}: {
  metricKey: string;
  runs: { id: string; name: string }[];
  mode: XAxisMode;
  height?: number;
}) {
  const series = useMetricSeries(
    runs.map((r) => r.id),
    metricKey,
  );
  if (series.isPending) {
    return (
      <div className="grid animate-pulse place-items-center rounded-lg bg-slate-50 text-sm text-slate-400" style={{ height }}>
        Loading {metricKey}…
      </div>
    );
  }
  if (series.error) return <p className="text-sm text-red-600">{series.error.message}</p>;
  const lines = series.data.map((s, i) => ({
    run: runs[i],
    data: plotted(s, mode),
    color: RUN_COLORS[i % RUN_COLORS.length] ?? "#0072B2",
  }));
  const points = lines.reduce((n, l) => n + l.data.length, 0);
  if (points === 0) return <p className="text-sm text-slate-500">No finite values to draw for {metricKey}.</p>;
  const single = runs.length === 1 && points === 1;
  return (
    <div data-testid={`chart-${metricKey}`} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={["dataMin", "dataMax"]}
            allowDuplicatedCategory={false}
            tick={{ fontSize: 11, fill: "#64748b" }}
            tickFormatter={(v: number) => (mode === "step" ? String(v) : elapsedTick(v))}
          />
          <YAxis
            width={56}
            tick={{ fontSize: 11, fill: "#64748b" }}
            tickFormatter={(v: number) => metricValue(v)}
            domain={["auto", "auto"]}
          />
          <Tooltip
            formatter={(v) => metricValue(typeof v === "number" ? v : Number(v))}
            labelFormatter={(x) => (mode === "step" ? `step ${String(x)}` : `${duration(Number(x) * 1000)} in`)}
            contentStyle={{ fontSize: 12 }}
          />
          {runs.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
          {lines.map((l) => (
            <Line
              key={l.run?.id}
              data={l.data}
              dataKey="value"
              name={l.run?.name}
              stroke={l.color}
              strokeWidth={2}
              dot={single || l.data.length <= 20}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Step | Time switch for the charts on a page. */
export function XAxisSwitch({ mode, onChange }: { mode: XAxisMode; onChange: (m: XAxisMode) => void }) {
  return (
    <SegmentedSwitch
      label="Horizontal axis"
      value={mode}
      onChange={onChange}
      options={[
        { value: "step", label: "By step" },
        { value: "time", label: "By time" },
      ]}
    />
  );
}
