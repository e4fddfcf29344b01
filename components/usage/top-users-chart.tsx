"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { amount } from "./chart-format";

export interface TopUserBar {
  name: string;
  peak: number;
  used: number;
  quota: number | null;
}

/** Per person: peak allocation and average use next to their quota, biggest first. */
export function TopUsersChart({ bars, unit, testId }: { bars: TopUserBar[]; unit: string; testId: string }) {
  return (
    <div style={{ height: Math.max(160, 48 + bars.length * 44) }} data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={bars} layout="vertical" margin={{ top: 8, right: 24, bottom: 0, left: 8 }} barGap={1}>
          <CartesianGrid stroke="#e2e8f0" horizontal={false} />
          <XAxis type="number" stroke="#64748b" fontSize={12} />
          <YAxis type="category" dataKey="name" stroke="#64748b" fontSize={12} width={110} />
          <Tooltip formatter={amount(unit)} />
          <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value: string) => <span className="text-slate-600">{value}</span>} />
          <Bar dataKey="quota" name="quota (in all)" fill="#cbd5e1" isAnimationActive={false} />
          <Bar dataKey="peak" name="peak allocated" fill="#4e79a7" isAnimationActive={false} />
          <Bar dataKey="used" name="average used" fill="#59a14f" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
