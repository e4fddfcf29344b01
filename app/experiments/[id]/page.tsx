import { PageHeader } from "@/components/ui/page-header";
import { CopyableCode } from "@/components/ui/code-block";
import Link from "next/link";
import { notFound } from "next/navigation";
import { NotebookPanel } from "@/components/tracking/notebook-panel";
import { RunsTable } from "@/components/tracking/runs-table";
import { EvaluationView } from "@/components/tracking/evaluation-view";
import { TracesView } from "@/components/tracking/traces-view";
import { getConfig } from "@atrium/core/lib/config";
import { workspacesCannotReach } from "@atrium/core/lib/http/workspace-listener";
import { startableEnvironments } from "@atrium/core/lib/environments/manage";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { evaluationOverview } from "@atrium/core/lib/tracking/evaluation/overview";
import { columnKeysOf, findExperimentView } from "@atrium/core/lib/tracking/overview/overview";
import { MoveToProject } from "@/components/projects/move-to-project";
import { moveChoice } from "@atrium/core/lib/projects/move";
import { requireUser } from "../../_lib/page-auth";

const TAB_LABELS = { runs: "Runs", traces: "Traces", evaluation: "Evaluation" } as const;

export default async function ExperimentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const principal = await requireUser();
  const { id } = await params;
  const query = await searchParams;
  const tab = query.tab === "traces" || query.tab === "evaluation" ? query.tab : "runs";
  const trace = typeof query.trace === "string" ? query.trace : undefined;
  const db = await getDb();
  const experiment = await findExperimentView(db, id, principal);
  if (!experiment) notFound();
  const keys = await columnKeysOf(db, experiment.experiment_id);
  const empty = keys.metrics.length === 0 && keys.params.length === 0;
  const environments = empty ? await startableEnvironments(db, getSpawner(), principal) : [];
  const move = await moveChoice(db, principal, "experiment", experiment.experiment_id);
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[{ href: "/experiments", label: "Experiments" }]}
        titleTestId="experiment-name"
        title={
          <>
            {experiment.name}
            {experiment.lifecycle_stage === "deleted" && (
              <span className="rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-700">deleted</span>
            )}
          </>
        }
      >
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-slate-500">
          Experiment ID <CopyableCode text={experiment.experiment_id} testId="copy-experiment-id" /> · log to it with{" "}
          <CopyableCode text={`mlflow.set_experiment("${experiment.name}")`} testId="copy-set-experiment" />
        </p>
        {move && <MoveToProject kind="experiment" id={experiment.experiment_id} project={move.project} />}
      </PageHeader>
      <nav className="flex gap-1 border-b border-slate-200 text-sm" aria-label="Experiment views">
        {(["runs", "traces", "evaluation"] as const).map((t) => (
          <Link
            key={t}
            href={t === "runs" ? `/experiments/${experiment.experiment_id}` : `/experiments/${experiment.experiment_id}?tab=${t}`}
            aria-current={tab === t ? "page" : undefined}
            data-testid={`tab-${t}`}
            className={`-mb-px border-b-2 px-3 py-2 font-medium ${tab === t ? "border-slate-800 text-slate-900" : "border-transparent text-slate-500 hover:text-slate-800"}`}
          >
            {TAB_LABELS[t]}
          </Link>
        ))}
      </nav>
      {tab === "evaluation" ? (
        <EvaluationView overview={await evaluationOverview(db, Number(experiment.experiment_id))} experimentName={experiment.name} />
      ) : tab === "traces" ? (
        <TracesView experimentId={experiment.experiment_id} experimentName={experiment.name} initialTrace={trace} />
      ) : (
        <>
          <RunsTable experimentId={experiment.experiment_id} keys={keys} />
          {empty && (
            <NotebookPanel
              trackingUri={getConfig().publicUrl}
              environments={environments.map(({ id, name, available }) => ({ id, name, available }))}
              experiment={experiment.name}
              compact
              unreachable={workspacesCannotReach()}
            />
          )}
        </>
      )}
    </div>
  );
}
