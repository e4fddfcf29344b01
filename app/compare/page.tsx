import { PageHeader } from "@/components/ui/page-header";
import { parseRunList } from "@/components/tracking/compare";
import { CompareView } from "@/components/tracking/compare-view";
import { getDb } from "@atrium/core/lib/runtime/db";
import { findExperimentView, findRunView } from "@atrium/core/lib/tracking/overview/overview";
import { requireUser } from "../_lib/page-auth";

export default async function ComparePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const principal = await requireUser();
  const ids = parseRunList((await searchParams).runs);
  const db = await getDb();
  const found = await Promise.all(ids.map((id) => findRunView(db, id, principal)));
  const runs = found.filter((r) => r !== null);
  const missing = ids.filter((_, i) => found[i] === null);
  // The crumb names the experiment of the runs when they share one (the runs table's Compare), else none.
  const experimentIds = new Set(runs.map((r) => r.info.experiment_id));
  const experimentId = experimentIds.size === 1 ? runs[0]?.info.experiment_id : undefined;
  const experiment = experimentId === undefined ? null : await findExperimentView(db, experimentId, principal);
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[
          { href: "/experiments", label: "Experiments" },
          ...(experiment
            ? [{ href: `/experiments/${experiment.experiment_id}`, label: experiment.name, testId: "compare-experiment" }]
            : []),
        ]}
        title={`Compare ${runs.length} runs`}
      />
      {missing.length > 0 && (
        <p role="status" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900">
          {missing.length === 1 ? "One run was not found and is left out" : `${missing.length} runs were not found and are left out`}:{" "}
          {missing.join(", ")}.
        </p>
      )}
      {runs.length < 2 ? (
        <p
          className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-8 text-center text-slate-600"
          data-testid="compare-empty"
        >
          Pick 2 to 10 runs to compare: tick them in an experiment’s runs table, then press Compare.
        </p>
      ) : (
        <CompareView runs={runs} />
      )}
    </div>
  );
}
