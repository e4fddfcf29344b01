"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiFetch } from "@/components/ui/api";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { RANGE_LABELS, RangePicker, type RangeName } from "./endpoint-charts";
import type { Bin, DriftReport } from "./types";

type Drift = DriftReport & { range: RangeName; current_window: [number, number]; reference_window: [number, number] };

const LEVEL = {
  stable: { label: "stable", className: "bg-emerald-100 text-emerald-800" },
  moderate: { label: "moderate shift", className: "bg-amber-100 text-amber-800" },
  major: { label: "major shift", className: "bg-red-100 text-red-800" },
} as const;

const BEFORE: Record<RangeName, string> = { hour: "the hour before", day: "the day before", week: "the week before" };

function Distribution({ bins, testId }: { bins: Bin[]; testId: string }) {
  const data = bins.map((b) => ({
    label: b.label,
    reference: Math.round(b.reference * 1000) / 10,
    current: Math.round(b.current * 1000) / 10,
  }));
  return (
    <div className="h-52" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 10, fill: "#64748b" }} interval={0} angle={-20} textAnchor="end" height={44} />
          <YAxis width={36} tick={{ fontSize: 11, fill: "#64748b" }} unit="%" />
          <Tooltip contentStyle={{ fontSize: 12 }} formatter={(v) => `${String(v)} %`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <Bar dataKey="reference" name="reference window" fill="#94a3b8" isAnimationActive={false} />
          <Bar dataKey="current" name="this window" fill="#0072B2" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * Whether the model's inputs and predictions moved: each input column's population stability index against the
 * window before, and the predictions' distribution in both, from the request log's sampled bodies.
 */
export function DriftPanel({ name }: { name: string }) {
  const [range, setRange] = useState<RangeName>("day");
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery({
    queryKey: ["serving-drift", name, range],
    queryFn: () => apiFetch<Drift>(`/api/serving/${encodeURIComponent(name)}/drift?range=${range}`),
    retry: false,
  });
  const d = q.data;
  return (
    <Card
      title="Drift"
      description={`Inputs and predictions of the ${RANGE_LABELS[range].toLowerCase()} against ${BEFORE[range]}, from the sampled request bodies. PSI under 0.1 is stable, 0.1–0.25 a moderate shift, above 0.25 a major one.`}
    >
      <div className="mb-3">
        <RangePicker value={range} onChange={setRange} testId="drift-range" />
      </div>
      {q.isPending ? (
        <p className="text-sm text-slate-500">Comparing…</p>
      ) : q.error ? (
        <p className="text-sm text-red-700">{q.error.message}</p>
      ) : !d || (d.columns.length === 0 && !d.predictions) ? (
        <p className="text-sm text-slate-500" data-testid="drift-empty">
          Nothing to compare yet: drift needs sampled requests in both windows ({d?.reference.bodies ?? 0} in {BEFORE[range]},{" "}
          {d?.current.bodies ?? 0} in the {RANGE_LABELS[range].toLowerCase()}).
        </p>
      ) : (
        <div className="space-y-6">
          {d.predictions && (
            <div>
              <h3 className="text-sm font-medium text-slate-700">
                Predictions{" "}
                <span className={`ml-1 rounded-full px-2 py-0.5 text-xs ${LEVEL[d.predictions.level].className}`}>
                  PSI {d.predictions.psi.toFixed(3)} · {LEVEL[d.predictions.level].label}
                </span>
              </h3>
              <Distribution bins={d.predictions.bins} testId="prediction-distribution" />
            </div>
          )}
          <DataTable
            testId="drift-columns"
            columns={[
              "Input column",
              "Kind",
              { label: "PSI", className: "text-right" },
              "",
              { label: "Values (before → now)", className: "text-right" },
            ]}
            head="text-left text-slate-500"
            cell="py-1.5 pr-4 font-medium"
          >
            {d.columns.map((c) => (
              <tr key={c.column}>
                <td className="py-2 pr-4">
                  <button
                    type="button"
                    className="text-brand-700 hover:underline"
                    onClick={() => setOpen(open === c.column ? null : c.column)}
                    aria-expanded={open === c.column}
                  >
                    {c.column}
                  </button>
                  {open === c.column && <Distribution bins={c.bins} testId={`drift-bins-${c.column}`} />}
                </td>
                <td className="pr-4 text-slate-600">{c.kind}</td>
                <td className="pr-4 text-right tabular-nums">{c.psi.toFixed(3)}</td>
                <td className="pr-4">
                  <span className={`whitespace-nowrap rounded-full px-2 py-0.5 text-xs ${LEVEL[c.level].className}`}>
                    {LEVEL[c.level].label}
                  </span>
                </td>
                <td className="text-right tabular-nums text-slate-600">
                  {c.referenceValues} → {c.currentValues}
                </td>
              </tr>
            ))}
          </DataTable>
          {(d.current.unreadable > 0 || d.reference.unreadable > 0) && (
            <p className="text-xs text-slate-500">
              {d.reference.unreadable + d.current.unreadable} sampled bodies were left out: not one of MLflow&apos;s JSON input forms (CSV),
              or cut short by the sample&apos;s byte cap.
            </p>
          )}
        </div>
      )}
    </Card>
  );
}
