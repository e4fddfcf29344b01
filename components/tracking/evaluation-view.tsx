import { CodeBlock } from "@/components/ui/code-block";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import type { EvaluationOverview } from "@atrium/core/lib/tracking/evaluation/overview";

/** The experiment's Evaluation tab: its evaluation datasets with a preview of their records, and its registered scorers. */
export function EvaluationView({ overview, experimentName }: { overview: EvaluationOverview; experimentName: string }) {
  const { datasets, scorers } = overview;
  return (
    <div className="space-y-6">
      <Card
        title="Datasets"
        description={`Evaluation datasets linked to this experiment${overview.moreDatasets ? " (the 20 changed last)" : ""}.`}
      >
        {datasets.length === 0 ? (
          <div className="space-y-2 text-sm text-slate-600" data-testid="datasets-empty">
            <p>No evaluation datasets yet. Create one from Python and add records:</p>
            <CodeBlock
              tone="light"
              text={`import mlflow
from mlflow.genai.datasets import create_dataset
mlflow.set_experiment("${experimentName}")
ds = create_dataset(name="golden-set")
ds.merge_records([{"inputs": {"question": "..."}, "expectations": {"answer": "..."}}])`}
            />
          </div>
        ) : (
          <div className="space-y-5" data-testid="datasets">
            {datasets.map((d) => (
              <section key={d.datasetId} className="space-y-2" data-testid="dataset">
                <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                  <h3 className="font-medium text-slate-900">{d.name}</h3>
                  <p className="text-xs text-slate-500">
                    <span data-testid="dataset-records">
                      {d.recordCount} {d.recordCount === 1 ? "record" : "records"}
                    </span>{" "}
                    · updated {formatDateTime(d.lastUpdateTime)}
                    {d.lastUpdatedBy ? ` by ${d.lastUpdatedBy}` : ""} · <code>{d.datasetId}</code>
                  </p>
                </div>
                <DataTable
                  columns={["Inputs", "Expectations"]}
                  cell="px-3 py-2 font-normal"
                  empty={d.preview.length === 0 ? "No records yet: add them with ds.merge_records([...])." : undefined}
                >
                  {d.preview.map((r, i) => (
                    <tr key={i} className="align-top">
                      <td className="max-w-md break-all px-3 py-2 font-mono text-xs text-slate-700">{r.inputs}</td>
                      <td className="max-w-md break-all px-3 py-2 font-mono text-xs text-slate-700">{r.expectations}</td>
                    </tr>
                  ))}
                </DataTable>
              </section>
            ))}
          </div>
        )}
      </Card>
      <Card title="Scorers" description="Scorers registered to this experiment, latest version of each.">
        {scorers.length === 0 ? (
          <div className="space-y-2 text-sm text-slate-600" data-testid="scorers-empty">
            <p>No registered scorers yet. Register one from Python:</p>
            <CodeBlock
              tone="light"
              text={`from mlflow.genai.judges import make_judge
judge = make_judge(name="relevance", instructions="Is {{ outputs }} relevant to {{ inputs }}?")
judge.register()`}
            />
          </div>
        ) : (
          <DataTable testId="scorers" columns={["Name", "Version", "Kind", "Registered"]}>
            {scorers.map((s) => (
              <tr key={s.name} data-testid="scorer">
                <td className="px-4 py-2.5 font-medium text-slate-900">{s.name}</td>
                <td className="px-4 py-2.5 text-slate-600">
                  {s.version}
                  {s.versions > 1 ? ` (${s.versions} versions)` : ""}
                </td>
                <td className="px-4 py-2.5 text-slate-600">{s.kind}</td>
                <td className="whitespace-nowrap px-4 py-2.5 text-slate-600">{formatDateTime(s.creationTime)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </div>
  );
}
