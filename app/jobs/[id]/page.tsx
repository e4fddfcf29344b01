import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ExecutionLog } from "@/components/jobs/execution-log";
import { JobActions } from "@/components/jobs/job-actions";
import { JobForm } from "@/components/jobs/job-form";
import { JobTable } from "@/components/jobs/parts";
import { Card } from "@/components/ui/card";
import { ExecutionStateBadge, isLive } from "@/components/jobs/execution-state";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { formatDateTime } from "@/components/ui/dates";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { getJob, listJobsFor } from "@atrium/core/lib/jobs/manage";
import { listExecutionsFor } from "@atrium/core/lib/jobs/run";
import { getDb } from "@atrium/core/lib/runtime/db";
import { environmentChoices } from "@atrium/core/lib/environments/manage";
import { MoveToProject } from "@/components/projects/move-to-project";
import { moveChoice } from "@atrium/core/lib/projects/move";
import { requireUser } from "../../_lib/page-auth";

export default async function JobPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const principal = await requireUser();
  const db = await getDb();
  const { id } = await params;
  let job;
  try {
    job = await getJob(db, principal, id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const [executions, jobs, move] = await Promise.all([
    listExecutionsFor(db, principal, id),
    listJobsFor(db, principal, principal.admin),
    moveChoice(db, principal, "job", id),
  ]);
  const shown = (await searchParams).execution;
  const selected = executions.find((e) => e.id === shown) ?? executions[0];
  // An admin editing another person's job picks among that person's jobs, so everyone's are listed for her.
  const others = jobs.filter((j) => j.id !== id && j.owner === job.owner).map((j) => ({ id: j.id, name: j.name }));
  return (
    <div className="space-y-6">
      {/* New executions (cron, another job, someone's Run now) and their states appear without a reload. */}
      <LiveRefresh active={executions.some((e) => isLive(e.state))} />
      <PageHeader
        crumbs={[{ href: "/jobs", label: "Jobs" }, { label: job.owner }]}
        title={job.name}
        actions={<JobActions jobId={job.id} paused={job.paused} />}
      >
        <p className="text-sm">
          <span className="font-mono">{job.path}</span> in {job.environment}, {job.cpu} CPU, {job.memGb} GiB, timeout {job.timeoutS} s,{" "}
          {job.retries} {job.retries === 1 ? "retry" : "retries"}.{" "}
          {job.trigger.kind === "cron"
            ? `Runs at "${job.trigger.cron}" (${job.trigger.timeZone}); next ${job.nextRun ? formatDateTime(job.nextRun) : "— (paused)"}.`
            : job.trigger.kind === "after"
              ? "Runs after another job succeeds."
              : "Runs when started."}
        </p>
        {move && <MoveToProject kind="job" id={job.id} project={move.project} />}
      </PageHeader>
      <Card title="History" description="Newest first. Each execution is an MLflow run.">
        <JobTable
          testId="executions-table"
          columns={["Started", "Cause", "State", "Duration", "Reason", "Run", ""]}
          {...(executions.length === 0 ? { empty: "Not run yet." } : {})}
        >
          {executions.map((e) => (
            <tr key={e.id} className="border-t border-slate-100">
              <td className="py-2">
                <Link href={`/jobs/${job.id}?execution=${e.id}`} className="text-sky-700 hover:underline">
                  {formatDateTime(e.startedAt ?? e.createdAt, { seconds: true })}
                </Link>
              </td>
              <td>
                {e.cause}
                {e.attempt > 1 ? ` #${e.attempt}` : ""}
              </td>
              <td data-testid="execution-state">
                <ExecutionStateBadge state={e.state} />
              </td>
              <td>{e.durationS === null ? "—" : `${e.durationS} s`}</td>
              <td className="max-w-xs truncate" title={e.reason ?? ""}>
                {e.reason ?? ""}
              </td>
              <td>
                {e.mlflowRunId ? (
                  <Link href={`/runs/${e.mlflowRunId}`} className="text-sky-700 hover:underline">
                    run
                  </Link>
                ) : (
                  "—"
                )}
              </td>
              <td>{(e.state === "running" || e.state === "queued") && <JobActions jobId={job.id} execution={e.id} />}</td>
            </tr>
          ))}
        </JobTable>
      </Card>
      {selected && (
        <Card title="Log" description={`Execution ${selected.id} (${selected.state})`}>
          <ExecutionLog key={selected.id} jobId={job.id} executionId={selected.id} running={selected.state === "running"} />
        </Card>
      )}
      <Card title="Edit">
        <JobForm job={job} owner={job.owner} otherJobs={others} environments={await environmentChoices(db, principal)} />
      </Card>
    </div>
  );
}
