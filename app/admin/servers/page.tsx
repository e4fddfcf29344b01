import { PageHeader } from "@/components/ui/page-header";
import { ServersTable } from "@/components/admin/servers-table";
import { listActiveServers } from "@atrium/core/lib/admin/servers-table";
import { getConfig } from "@atrium/core/lib/config";
import { getDb } from "@atrium/core/lib/runtime/db";
import { workspaceOriginNotice } from "@atrium/core/lib/workspaces/origin-notice";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { requireAdmin } from "../../_lib/page-auth";

export default async function ServersPage() {
  await requireAdmin();
  // Live use is the usage sampler's latest reading, kept in the process: no engine call here.
  const servers = await listActiveServers(await getDb(), getSpawner(), { live: true });
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
      <ServersTable initial={servers} />
    </div>
  );
}
