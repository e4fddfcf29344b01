import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AccountActions } from "@/components/admin/account-actions";
import { AuditTable } from "@/components/admin/audit-table";
import { OverridesEditor } from "@/components/admin/overrides-editor";
import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/workspaces/status-badge";
import { getUserDetail } from "@atrium/core/lib/admin/user-detail";
import { formatBytes } from "@atrium/core/lib/quota/bytes";
import { getDb } from "@atrium/core/lib/runtime/db";
import { countUserSessions } from "@atrium/core/lib/users/manage";
import { userNameSchema } from "@atrium/core/lib/auth/names";
import { requireAdmin } from "../../../_lib/page-auth";

export default async function AdminUserPage({ params }: { params: Promise<{ name: string }> }) {
  await requireAdmin();
  const name = userNameSchema.safeParse((await params).name);
  if (!name.success) notFound();
  const db = await getDb();
  const detail = await getUserDetail(db, name.data);
  if (!detail) notFound();
  const sessions = await countUserSessions(db, detail.user.name);
  const { user, limits, roleLimits, usage, storage } = detail;
  return (
    <div className="space-y-6">
      <PageHeader crumbs={[{ href: "/admin/users", label: "Users" }]} title={user.name}>
        {[user.displayName, user.email].filter(Boolean).join(" · ")}
        {user.displayName || user.email ? " · " : ""}role <strong>{user.role}</strong> · last seen <RelativeTime at={user.lastSeenAt} />
      </PageHeader>
      <Card
        title="Holding now"
        description="What this person's active servers hold, and their runs' and models' artifacts, against their limits."
      >
        <div className="grid gap-6 sm:grid-cols-4">
          <Meter label="Servers" used={usage.servers} max={limits.maxServers} unit="servers" />
          <Meter label="CPU" used={usage.cpu} max={limits.maxTotalCpu} unit="CPUs" />
          <Meter label="Memory" used={usage.memGb} max={limits.maxTotalMemGb} unit="GiB" />
          <Meter
            label="Artifact storage"
            used={storage.usedBytes}
            max={limits.maxStorageGb * 1024 ** 3}
            unit="bytes"
            text={`${formatBytes(storage.usedBytes)} / ${formatBytes(limits.maxStorageGb * 1024 ** 3)}`}
            testId="user-storage"
          />
        </div>
      </Card>
      <Card
        title="Limits for this person"
        description={`Leave a field empty to use the value of the role ${user.role}. Changes apply from the next start; running servers keep what they were given.`}
      >
        <OverridesEditor user={user.name} role={user.role} roleLimits={roleLimits} overrides={user.limits} />
      </Card>
      <Card title="Servers">
        {detail.servers.length === 0 ? (
          <p className="text-sm text-slate-500">{user.name} has never started a server.</p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm">
            {detail.servers.map((s) => (
              <li key={s.name} className="flex items-center gap-4 py-2">
                <span className="w-32 font-medium text-slate-900">{s.name}</span>
                <StatusBadge status={s.status} />
                <span className="text-slate-600">
                  {s.environment} · {s.cpu} CPU · {s.memGb} GiB
                </span>
                <span className="ml-auto text-slate-500">
                  last activity <RelativeTime at={s.lastActivity} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Account" description="Ending the sessions signs this person out of every browser at once; API tokens keep working.">
        <AccountActions name={user.name} sessions={sessions} />
      </Card>
      <Card
        title="Recent activity"
        description={
          <Link className="text-brand-600 hover:underline" href={`/admin/audit?target=${encodeURIComponent(user.name)}`}>
            Everything done to {user.name} in the audit log →
          </Link>
        }
      >
        <AuditTable items={detail.recent} empty={`Nothing recorded for ${user.name} yet.`} />
      </Card>
    </div>
  );
}
