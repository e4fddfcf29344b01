import Link from "next/link";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { StateBadge, servedSummary } from "@/components/serving/endpoint-state";
import { getDb } from "@atrium/core/lib/runtime/db";
import { endpointsOverview } from "@atrium/core/lib/serving/overview";
import { requireUser } from "../_lib/page-auth";

export const dynamic = "force-dynamic";

/** Every serving endpoint: its state, what it serves with what share of the traffic, its owner and its recent load. */
export default async function ServingPage() {
  const principal = await requireUser();
  const rows = await endpointsOverview(await getDb(), principal);
  return (
    <div className="space-y-6">
      <PageHeader title="Serving">
        Deployed models: registered model versions served as HTTP endpoints at{" "}
        <code className="text-sm">/serving-endpoints/&lt;name&gt;/invocations</code>, called with an API token by whoever their owner
        allows.
      </PageHeader>
      <Card
        title="Endpoints"
        description="Requests are counted over the last hour; open an endpoint for its charts, request log and snippets."
      >
        {rows.length === 0 ? (
          <div className="space-y-2 py-4 text-sm text-slate-600" data-testid="serving-empty">
            <p className="font-medium text-slate-800">No endpoints yet.</p>
            <p>
              To deploy a model, open it under{" "}
              <Link href="/models" className="text-brand-700 hover:underline">
                Models
              </Link>
              , pick a version (or the model page for an alias such as @champion) and press <strong>Deploy</strong>. Scripts can use the
              serving-endpoints API with MLflow&apos;s <code className="text-xs">get_deploy_client(&quot;databricks&quot;)</code>.
            </p>
          </div>
        ) : (
          <DataTable
            testId="endpoints-table"
            columns={["Endpoint", "State", "Serves (traffic)", "Owner", { label: "Requests, last hour", className: "text-right" }]}
            head="text-left text-slate-500"
            cell="py-1.5 pr-4 font-medium"
          >
            {rows.map(({ endpoint: e, requestsLastHour }) => (
              <tr key={e.id} data-testid={`endpoint-${e.name}`}>
                <td className="py-2 pr-4">
                  <Link href={`/serving/${encodeURIComponent(e.name)}`} className="font-medium text-brand-700 hover:underline">
                    {e.name}
                  </Link>
                </td>
                <td className="pr-4">
                  <StateBadge endpoint={e} />
                </td>
                <td className="pr-4 text-slate-700">
                  {servedSummary(e).map((s) => (
                    <span key={s.name} className="block whitespace-nowrap">
                      {s.label} <span className="text-slate-500">· {s.traffic} %</span>
                    </span>
                  ))}
                </td>
                <td className="pr-4 text-slate-600">{e.creator}</td>
                <td className="text-right tabular-nums" data-testid="requests-last-hour">
                  {requestsLastHour.toLocaleString("en")}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </div>
  );
}
