"use client";

import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartRow } from "@/lib/usage/report";
import { amount, fullTime, ROLE_COLOURS, timeTick } from "./chart-format";

export interface UsageArea {
  key: string;
  name: string;
}

/**
 * Allocation as areas (stacked, one colour each), what was actually used as a line, and a ceiling
 * (the machine's capacity, or a person's limit) dashed: where the areas near it, new starts will
 * soon not fit. `small` is the home page's card: lower, tighter, and no axis label.
 */
export function UsageChart({
  rows,
  areas,
  usedKey,
  usedName,
  ceiling,
  ceilingLabel,
  unit,
  rangeMs,
  testId,
  small = false,
}: {
  rows: ChartRow[];
  areas: UsageArea[];
  usedKey: string;
  usedName: string;
  ceiling: number;
  ceilingLabel: string;
  unit: string;
  rangeMs: number;
  testId: string;
  small?: boolean;
}) {
  const fontSize = small ? 11 : 12;
  const peak = Math.max(ceiling, ...rows.flatMap((r) => [...areas.map((a) => r[a.key] ?? 0), r[usedKey] ?? 0]));
  return (
    <div className={small ? "h-48" : "h-72"} data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart
          data={rows}
          margin={small ? { top: 12, right: 16, bottom: 0, left: -16 } : { top: 16, right: 24, bottom: 0, left: 0 }}
        >
          <CartesianGrid stroke="#e2e8f0" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={timeTick(rangeMs)}
            stroke="#64748b"
            fontSize={fontSize}
            minTickGap={40}
          />
          <YAxis
            stroke="#64748b"
            fontSize={fontSize}
            domain={[0, Math.ceil(peak * (small ? 1.15 : 1.1))]}
            label={small ? undefined : { value: unit, angle: -90, position: "insideLeft", fill: "#64748b", fontSize }}
          />
          <Tooltip labelFormatter={fullTime} formatter={amount(unit)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {areas.map((a, i) => (
            <Area
              key={a.key}
              type="stepAfter"
              dataKey={a.key}
              name={a.name}
              stackId="allocated"
              stroke={ROLE_COLOURS[i % ROLE_COLOURS.length]}
              fill={ROLE_COLOURS[i % ROLE_COLOURS.length]}
              fillOpacity={small ? 0.3 : 0.35}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
          <Line
            type="monotone"
            dataKey={usedKey}
            name={usedName}
            stroke="#0f172a"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls={false}
          />
          <ReferenceLine
            y={ceiling}
            stroke="#dc2626"
            strokeDasharray="6 4"
            label={{ value: ceilingLabel, position: small ? "insideTopRight" : "insideTopLeft", fill: "#dc2626", fontSize }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
