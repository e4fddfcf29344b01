import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { JobForm } from "@/components/jobs/job-form";
import { JobTable } from "@/components/jobs/parts";
import { Card } from "@/components/ui/card";
import { ExecutionStateBadge, isLive } from "@/components/jobs/execution-state";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { formatDateTime } from "@/components/ui/dates";
import { listJobsFor } from "@atrium/core/lib/jobs/manage";
import { getDb } from "@atrium/core/lib/runtime/db";
import { environmentChoices } from "@atrium/core/lib/environments/manage";
import { requireUser } from "../_lib/page-auth";

export default async function JobsPage() {
  const principal = await requireUser();
  const db = await getDb();
  const jobs = await listJobsFor(db, principal, principal.admin);
  const mine = jobs.filter((j) => j.owner === principal.name).map((j) => ({ id: j.id, name: j.name }));
  return (
    <div className="space-y-6">
      <LiveRefresh active={jobs.some((j) => isLive(j.lastExecution?.state))} />
      <PageHeader title="Jobs">
        Notebooks and scripts from your home folder, run on a schedule or on demand. Each run is an MLflow run; a running job counts against
        your CPU and memory like a workspace.
      </PageHeader>
      <Card title={principal.admin ? "All jobs" : "My jobs"}>
        <JobTable
          testId="jobs-table"
          columns={["Job", ...(principal.admin ? ["Owner"] : []), "Path", "Trigger", "Next run", "Last run"]}
          {...(jobs.length === 0 ? { empty: "No jobs yet." } : {})}
        >
          {jobs.map((j) => (
            <tr key={j.id} className="border-t border-slate-100">
              <td className="py-2">
                <Link href={`/jobs/${j.id}`} className="font-medium text-sky-700 hover:underline">
                  {j.name}
                </Link>
                {j.paused && <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800">paused</span>}
              </td>
              {principal.admin && <td>{j.owner}</td>}
              <td className="font-mono text-xs">{j.path}</td>
              <td className="font-mono text-xs">
                {j.trigger.kind === "cron"
                  ? `${j.trigger.cron} (${j.trigger.timeZone})`
                  : j.trigger.kind === "after"
                    ? "after another job"
                    : "manual"}
              </td>
              <td>{j.nextRun ? formatDateTime(j.nextRun) : "—"}</td>
              <td data-testid="last-state" title={j.lastExecution?.reason ?? undefined}>
                {j.lastExecution ? <ExecutionStateBadge state={j.lastExecution.state} /> : "—"}
                {j.lastExecution?.state === "queued" && j.lastExecution.reason && (
                  <span className="block text-xs text-amber-700">{j.lastExecution.reason}</span>
                )}
              </td>
            </tr>
          ))}
        </JobTable>
      </Card>
      <Card title="New job" description="The cron expression is checked as you type; the next five times are shown in UTC.">
        <JobForm owner={principal.name} otherJobs={mine} environments={await environmentChoices(db, principal)} />
      </Card>
    </div>
  );
}
