"use client";

import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartRow } from "@/lib/usage/report";
import { amount, fullTime, ROLE_COLOURS, timeTick } from "./chart-format";

/**
 * Allocation stacked by role, what was actually used as a line, and the machine's capacity as a
 * dashed ceiling: where the stack nears the ceiling, new starts will soon not fit.
 */
export function AllocationChart({
  rows,
  roles,
  capacity,
  unit,
  rangeMs,
  testId,
}: {
  rows: ChartRow[];
  roles: string[];
  capacity: number;
  unit: string;
  rangeMs: number;
  testId: string;
}) {
  const peak = Math.max(
    capacity,
    ...rows.flatMap((r) =>
      Object.entries(r)
        .filter(([k]) => k !== "t")
        .map(([, v]) => v ?? 0),
    ),
  );
  return (
    <div className="h-72" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 16, right: 24, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={timeTick(rangeMs)}
            stroke="#64748b"
            fontSize={12}
            minTickGap={40}
          />
          <YAxis
            stroke="#64748b"
            fontSize={12}
            domain={[0, Math.ceil(peak * 1.1)]}
            tickFormatter={(v: number) => `${v}`}
            label={{ value: unit, angle: -90, position: "insideLeft", fill: "#64748b", fontSize: 12 }}
          />
          <Tooltip labelFormatter={fullTime} formatter={amount(unit)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {roles.map((role, i) => (
            <Area
              key={role}
              type="stepAfter"
              dataKey={`role:${role}`}
              name={`allocated · ${role}`}
              stackId="allocated"
              stroke={ROLE_COLOURS[i % ROLE_COLOURS.length]}
              fill={ROLE_COLOURS[i % ROLE_COLOURS.length]}
              fillOpacity={0.35}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
          <Line
            type="monotone"
            dataKey="used"
            name="used (all)"
            stroke="#0f172a"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls={false}
          />
          <ReferenceLine
            y={capacity}
            stroke="#dc2626"
            strokeDasharray="6 4"
            label={{
              value: `machine: ${Math.round(capacity * 10) / 10} ${unit}`,
              position: "insideTopLeft",
              fill: "#dc2626",
              fontSize: 12,
            }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
