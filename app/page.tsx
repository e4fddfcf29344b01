import { PageHeader } from "@/components/ui/page-header";
import { TokensPanel } from "@/components/account/tokens-panel";
import { Card } from "@/components/ui/card";
import { MyUsageCard } from "@/components/usage/my-usage-card";
import { SharedWithMe } from "@/components/workspaces/shared-with-me";
import { WorkspacesHome } from "@/components/workspaces/workspaces-home";
import { sharedWith } from "@atrium/core/lib/sharing/shares";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { machineCapacity } from "@atrium/core/lib/usage/capacity";
import { describeMe } from "@atrium/core/lib/users/me";
import { listServers } from "@atrium/core/lib/workspaces/query";
import { serverNameSchema } from "@atrium/core/lib/workspaces/schemas";
import { requireUser } from "./_lib/page-auth";

export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const principal = await requireUser();
  const db = await getDb();
  const [me, servers, shared, machine] = await Promise.all([
    describeMe(db, principal),
    listServers(db, principal, principal.name),
    principal.userId ? sharedWith(db, principal, principal.name) : [],
    machineCapacity(getSpawner()),
  ]);
  // /servers/<name>/<server> links here with ?server=<server> to start one of that name.
  const wanted = serverNameSchema.safeParse((await searchParams).server);
  return (
    <div className="space-y-6">
      <PageHeader title="My workspaces">
        {me.displayName ? `Welcome, ${me.displayName}. ` : ""}You are signed in as <strong data-testid="me-name">{me.name}</strong> with the
        role <strong data-testid="me-role">{me.role}</strong>
        {me.admin && " (platform admin)"}.
      </PageHeader>
      <WorkspacesHome
        initialMe={me}
        initialServers={servers}
        defaultName={wanted.success ? wanted.data : undefined}
        machineCpu={machine.source === "engine" ? machine.cpu : undefined}
      />
      <SharedWithMe shares={shared} />
      <MyUsageCard principal={principal} />
      <Card title="API tokens" description="For scripts, the REST API and the MLflow client outside Atrium. Stored hashed; shown once.">
        <TokensPanel userName={me.name} admin={me.admin} />
      </Card>
    </div>
  );
}
