"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { alignByKey } from "./compare";
import { metricValue } from "./format";
import { MetricChart, RUN_COLORS, XAxisSwitch, type XAxisMode } from "./metric-chart";
import type { WireRun } from "./mlflow";

/** 2–10 runs side by side: params with differing rows highlighted, latest metrics, one overlaid chart per metric. */
export function CompareView({ runs }: { runs: WireRun[] }) {
  const [mode, setMode] = useState<XAxisMode>("step");
  const [onlyDiff, setOnlyDiff] = useState(false);
  const params = alignByKey(runs.map((r) => r.data.params));
  const latest = alignByKey(runs.map((r) => r.data.metrics?.map((m) => ({ key: m.key, value: metricValue(m.value) }))));
  const differing = params.filter((p) => p.differs).length;
  const shownParams = onlyDiff ? params.filter((p) => p.differs) : params;
  const chartRuns = runs.map((r) => ({ id: r.info.run_id, name: r.info.run_name }));

  const headerRow = (
    <tr>
      <th className="px-3 py-2 text-left font-medium text-slate-500">Key</th>
      {runs.map((r, i) => (
        <th key={r.info.run_id} className="px-3 py-2 text-left font-medium">
          <Link href={`/runs/${r.info.run_id}`} className="inline-flex items-center gap-1.5 text-slate-900 hover:underline">
            <span className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
            {r.info.run_name}
          </Link>
        </th>
      ))}
    </tr>
  );

  const table = (testId: string, rows: ReactNode) => (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" data-testid={testId}>
        <thead className="border-b border-slate-200">{headerRow}</thead>
        <tbody className="divide-y divide-slate-100">{rows}</tbody>
      </table>
    </div>
  );

  return (
    <div className="space-y-6">
      <Card
        title="Parameters"
        description={
          differing === 0
            ? "All runs used the same parameters."
            : `${differing} of ${params.length} parameters differ between these runs (highlighted).`
        }
        action={
          <label className="flex items-center gap-2 text-sm text-slate-600">
            <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only differences
          </label>
        }
      >
        {params.length === 0 ? (
          <p className="text-sm text-slate-500">None of these runs logged parameters.</p>
        ) : (
          table(
            "compare-params",
            shownParams.map((p) => (
              <tr key={p.key} data-differs={p.differs} className={p.differs ? "bg-amber-50" : ""}>
                <th
                  scope="row"
                  className={`px-3 py-1.5 text-left font-mono text-xs font-normal ${p.differs ? "text-amber-900" : "text-slate-600"}`}
                >
                  {p.differs && (
                    <span className="mr-1 font-sans font-bold text-amber-600" aria-label="differs">
                      ≠
                    </span>
                  )}
                  {p.key}
                </th>
                {p.values.map((v, i) => (
                  <td key={i} className={`px-3 py-1.5 font-mono text-xs ${p.differs ? "font-semibold text-amber-950" : "text-slate-800"}`}>
                    {v ?? <span className="text-slate-300">–</span>}
                  </td>
                ))}
              </tr>
            )),
          )
        )}
      </Card>

      <Card title="Latest metrics">
        {latest.length === 0 ? (
          <p className="text-sm text-slate-500">None of these runs logged metrics.</p>
        ) : (
          table(
            "compare-metrics",
            latest.map((m) => (
              <tr key={m.key}>
                <th scope="row" className="px-3 py-1.5 text-left font-mono text-xs font-normal text-slate-600">
                  {m.key}
                </th>
                {m.values.map((v, i) => (
                  <td key={i} className="px-3 py-1.5 font-mono text-xs tabular-nums text-slate-900">
                    {v ?? <span className="text-slate-300">–</span>}
                  </td>
                ))}
              </tr>
            )),
          )
        )}
      </Card>

      {latest.length > 0 && (
        <Card
          title="Metric history"
          description="Each metric with every run overlaid; colours match the run names above."
          action={<XAxisSwitch mode={mode} onChange={setMode} />}
        >
          <div className="grid gap-6 md:grid-cols-2">
            {latest.map((m) => (
              <div key={m.key}>
                <h3 className="mb-1 font-mono text-sm text-slate-700">{m.key}</h3>
                <MetricChart metricKey={m.key} runs={chartRuns} mode={mode} height={260} />
              </div>
            ))}
          </div>
        </Card>
      )}
    </div>
  );
}
