"use client";

import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartRow } from "@/lib/usage/report";
import { amount, fullTime, timeTick } from "./chart-format";

/** A person's own allocation (area) and use (line) of one resource against their limit. */
export function MyUsageChart({
  rows,
  allocatedKey,
  usedKey,
  limit,
  unit,
  rangeMs,
  testId,
}: {
  rows: ChartRow[];
  allocatedKey: string;
  usedKey: string;
  limit: number;
  unit: string;
  rangeMs: number;
  testId: string;
}) {
  const peak = Math.max(limit, ...rows.map((r) => r[allocatedKey] ?? 0));
  return (
    <div className="h-48" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 12, right: 16, bottom: 0, left: -16 }}>
          <CartesianGrid stroke="#e2e8f0" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={timeTick(rangeMs)}
            stroke="#64748b"
            fontSize={11}
            minTickGap={40}
          />
          <YAxis stroke="#64748b" fontSize={11} domain={[0, Math.ceil(peak * 1.15)]} />
          <Tooltip labelFormatter={fullTime} formatter={amount(unit)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area
            type="stepAfter"
            dataKey={allocatedKey}
            name="allocated"
            stroke="#4e79a7"
            fill="#4e79a7"
            fillOpacity={0.3}
            isAnimationActive={false}
          />
          <Line type="monotone" dataKey={usedKey} name="used" stroke="#0f172a" strokeWidth={2} dot={false} isAnimationActive={false} />
          <ReferenceLine
            y={limit}
            stroke="#dc2626"
            strokeDasharray="6 4"
            label={{ value: `your limit ${limit} ${unit}`, position: "insideTopRight", fill: "#dc2626", fontSize: 11 }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
