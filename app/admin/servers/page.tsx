import { PageHeader } from "@/components/ui/page-header";
import { ServersTable } from "@/components/admin/servers-table";
import { EngineBanner } from "@/components/workspaces/engine-banner";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { JobHoldings } from "@/components/usage/job-holdings";
import { listHoldings } from "@atrium/core/lib/quota/holdings";
import { listActiveServers } from "@atrium/core/lib/admin/servers-table";
import { getConfig } from "@atrium/core/lib/config";
import { getDb } from "@atrium/core/lib/runtime/db";
import { workspaceOriginNotice } from "@atrium/core/lib/workspaces/origin-notice";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { requireAdmin } from "../../_lib/page-auth";

export default async function ServersPage() {
  await requireAdmin();
  // Live use is the usage sampler's latest reading, kept in the process: no engine call here.
  const db = await getDb();
  const servers = await listActiveServers(db, getSpawner(), { live: true });
  const held = await listHoldings(db);
  // Why admins can or cannot open the workspaces listed here, and the danger when they can on the portal's origin.
  const notice = workspaceOriginNotice(getConfig());
  return (
    <div className="space-y-5">
      <PageHeader title="Servers">
        Every workspace that is starting, running or stopping, with what it uses now against what it was given.
      </PageHeader>
      <p
        data-testid="workspace-origin-notice"
        data-level={notice.level}
        role={notice.level === "warn" ? "alert" : undefined}
        className={
          notice.level === "warn"
            ? "rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
            : "rounded-lg bg-slate-50 px-4 py-3 text-sm text-slate-600"
        }
      >
        {notice.text}
      </p>
      <EngineBanner admin />
      <ServersTable initial={servers} />
      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900">Job executions running</h2>
        <p className="text-sm text-slate-500">They hold CPU and memory against their owner&apos;s limits like workspaces do.</p>
        <JobHoldings rows={held} owners testId="running-executions" />
        <LiveRefresh active={held.some((h) => h.kind === "job")} />
      </section>
    </div>
  );
}
