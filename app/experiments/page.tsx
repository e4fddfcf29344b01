import { PageHeader } from "@/components/ui/page-header";
import { ExperimentsList, NewExperimentForm } from "@/components/tracking/experiments-list";
import { NotebookPanel } from "@/components/tracking/notebook-panel";
import { getConfig } from "@atrium/core/lib/config";
import { workspacesCannotReach } from "@atrium/core/lib/http/workspace-listener";
import { startableEnvironments } from "@atrium/core/lib/environments/manage";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { listExperimentOverview } from "@atrium/core/lib/tracking/overview/overview";
import { requireUser } from "../_lib/page-auth";

/** `?project=<name>` preselects that project in the create form (the project page links here). */
export default async function ExperimentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const asked = (await searchParams).project;
  const principal = await requireUser();
  const db = await getDb();
  const [experiments, environments] = await Promise.all([
    listExperimentOverview(db, principal),
    startableEnvironments(db, getSpawner(), principal),
  ]);
  const anyRuns = experiments.some((e) => e.runCount > 0);
  return (
    <div className="space-y-6">
      <PageHeader title="Experiments" actions={<NewExperimentForm project={typeof asked === "string" ? asked : ""} />}>
        Runs logged with MLflow, grouped by experiment. Everyone on the team can see them; only a run’s author changes it.
      </PageHeader>
      {!anyRuns && (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-4 text-slate-600" data-testid="no-runs">
          Nothing has been logged yet. Run one of the snippets below in a notebook and your first run appears here.
        </p>
      )}
      <ExperimentsList experiments={experiments} />
      <NotebookPanel
        trackingUri={getConfig().publicUrl}
        environments={environments.map(({ id, name, available }) => ({ id, name, available }))}
        unreachable={workspacesCannotReach()}
      />
    </div>
  );
}
