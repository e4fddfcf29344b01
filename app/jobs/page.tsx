import Link from "next/link";
import { JobForm } from "@/components/jobs/job-form";
import { Card } from "@/components/ui/card";
import { formatDateTime } from "@/components/ui/dates";
import { listJobsFor } from "@atrium/core/lib/jobs/manage";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireUser } from "../_lib/page-auth";

export default async function JobsPage() {
  const principal = await requireUser();
  const db = await getDb();
  const jobs = await listJobsFor(db, principal, principal.admin);
  const mine = jobs.filter((j) => j.owner === principal.name).map((j) => ({ id: j.id, name: j.name }));
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Jobs</h1>
        <p className="mt-1 text-slate-600">
          Notebooks and scripts from your home folder, run on a schedule or on demand. Each run is an MLflow run; a running job counts
          against your CPU and memory like a workspace.
        </p>
      </div>
      <Card title={principal.admin ? "All jobs" : "My jobs"}>
        {jobs.length === 0 ? (
          <p className="text-sm text-slate-500">No jobs yet.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="jobs-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Job</th>
                {principal.admin && <th>Owner</th>}
                <th>Path</th>
                <th>Trigger</th>
                <th>Next run</th>
                <th>Last run</th>
              </tr>
            </thead>
            <tbody>
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
                  <td data-testid="last-state">{j.lastExecution ? `${j.lastExecution.state}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="New job" description="The cron expression is checked as you type; the next five times are shown in UTC.">
        <JobForm otherJobs={mine} />
      </Card>
    </div>
  );
}
