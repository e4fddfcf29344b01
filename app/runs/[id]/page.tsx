import { notFound } from "next/navigation";
import { RunTraces } from "@/components/tracking/run-traces";
import { RunView } from "@/components/tracking/run-view";
import { getDb } from "@atrium/core/lib/runtime/db";
import { findExperimentView, findRunView, runAccessOf } from "@atrium/core/lib/tracking/overview/overview";
import { tracesOfRunView } from "@atrium/core/lib/tracking/traces/operations";
import { requireUser } from "../../_lib/page-auth";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const run = await findRunView(db, id, principal);
  if (!run) notFound();
  const experiment = await findExperimentView(db, run.info.experiment_id, principal);
  const traces = await tracesOfRunView({ db, principal }, run.info.run_id);
  const access = await runAccessOf(db, principal, run.info.run_id);
  return (
    <div className="space-y-6">
      <RunView run={run} experimentName={experiment?.name ?? `experiment ${run.info.experiment_id}`} access={access} />
      <RunTraces experimentId={run.info.experiment_id} traces={traces} />
    </div>
  );
}
