import { notFound } from "next/navigation";
import { RunView } from "@/components/tracking/run-view";
import { getDb } from "@atrium/core/lib/runtime/db";
import { findExperimentView, findRunView } from "@atrium/core/lib/tracking/overview/overview";
import { requireUser } from "../../_lib/page-auth";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const db = await getDb();
  const run = await findRunView(db, id);
  if (!run) notFound();
  const experiment = await findExperimentView(db, run.info.experiment_id);
  return <RunView run={run} experimentName={experiment?.name ?? `experiment ${run.info.experiment_id}`} />;
}
