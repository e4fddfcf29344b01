import { TokensPanel } from "@/components/account/tokens-panel";
import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import { getDb } from "@/lib/runtime/db";
import { describeMe } from "@/lib/users/me";
import { requireUser } from "./_lib/page-auth";

export default async function HomePage() {
  const principal = await requireUser();
  const me = await describeMe(await getDb(), principal);
  const { limits, usage } = me;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Welcome, {me.displayName ?? me.name}</h1>
        <p className="mt-1 text-slate-600">
          You are signed in as <strong data-testid="me-name">{me.name}</strong> with the role{" "}
          <strong data-testid="me-role">{me.role}</strong>
          {me.admin && " (platform admin)"}.
        </p>
      </div>
      <Card title="Your limits" description={`What the ${me.role} role lets you run at once. An admin can raise them.`}>
        <div className="grid gap-6 sm:grid-cols-3">
          <Meter label="Servers" used={usage.servers} max={limits.maxServers} unit="running" />
          <Meter label="CPU in use" used={usage.cpu} max={limits.maxTotalCpu} unit="cores" />
          <Meter label="Memory in use" used={usage.memGb} max={limits.maxTotalMemGb} unit="GiB" />
        </div>
        <p className="mt-4 text-sm text-slate-500">
          Each server may have up to <strong>{limits.maxCpu} CPUs</strong> and <strong>{limits.maxMemGb} GiB</strong> of memory.
        </p>
      </Card>
      <Card title="API tokens" description="For scripts, the REST API and the MLflow client outside Atrium. Stored hashed; shown once.">
        <TokensPanel userName={me.name} />
      </Card>
    </div>
  );
}
