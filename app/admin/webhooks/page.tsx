import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { WebhookActions } from "@/components/admin/webhook-actions";
import { getDb } from "@atrium/core/lib/runtime/db";
import { ANSWER_SHOWN, DELIVERIES_SHOWN, webhooksOverview, type DeliveryView, type WebhookView } from "@atrium/core/lib/webhooks/overview";
import { requireAdmin } from "../../_lib/page-auth";

export const dynamic = "force-dynamic";

const STATE_LOOK: Record<DeliveryView["state"], string> = {
  delivered: "bg-emerald-50 text-emerald-700",
  failed: "bg-red-50 text-red-700",
  sending: "bg-amber-50 text-amber-700",
  queued: "bg-slate-100 text-slate-600",
};

function DeliveryRow({ d }: { d: DeliveryView }) {
  return (
    <tr data-testid="webhook-delivery" data-state={d.state} data-delivery-id={d.deliveryId} className="align-top">
      <td className="whitespace-nowrap px-4 py-2 text-slate-600">
        <RelativeTime at={d.finishedAt ?? d.dueAt} />
      </td>
      <td className="px-4 py-2">
        <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATE_LOOK[d.state]}`} data-testid="delivery-state">
          {d.state}
        </span>
      </td>
      <td className="px-4 py-2 font-mono text-xs text-slate-800" data-testid="delivery-status">
        {d.statusCode ?? "—"}
      </td>
      <td className="whitespace-nowrap px-4 py-2 font-mono text-xs text-slate-800">
        {d.event}
        {d.test && <span className="ml-1.5 rounded bg-slate-100 px-1.5 py-0.5 font-sans text-slate-500">test</span>}
      </td>
      <td className="px-4 py-2 text-slate-600">{d.attempt}</td>
      <td className="min-w-56 max-w-md px-4 py-2 text-xs text-slate-600">
        {d.error && <p className="text-red-700">{d.error}</p>}
        {d.answer !== null && d.answer !== "" && (
          <pre className="max-h-24 overflow-auto whitespace-pre-wrap break-all font-mono text-slate-700">
            {d.answer}
            {d.answerCut && ` … (first ${ANSWER_SHOWN} characters)`}
          </pre>
        )}
        {!d.error && !d.answer && d.state === "queued" && (
          <span>
            Next try <RelativeTime at={d.dueAt} />
          </span>
        )}
      </td>
      <td className="whitespace-nowrap px-4 py-2 text-right text-slate-500">{d.durationMs !== null ? `${d.durationMs} ms` : ""}</td>
    </tr>
  );
}

function WebhookCard({ w }: { w: WebhookView }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="webhook" data-webhook-id={w.id}>
      <div className="flex flex-col gap-3 border-b border-slate-100 px-5 py-4 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0 flex-1">
          <h2 className="flex flex-wrap items-center gap-2 font-semibold text-slate-900">
            <span className="break-words">{w.name}</span>
            <span
              data-testid="webhook-status"
              className={`rounded-full px-2 py-0.5 text-xs font-medium ${w.active ? "bg-emerald-50 text-emerald-700" : "bg-slate-100 text-slate-500"}`}
            >
              {w.active ? "active" : "disabled"}
            </span>
            {!w.signed && <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-700">unsigned</span>}
          </h2>
          <p className="mt-0.5 break-all font-mono text-xs text-slate-600">{w.url}</p>
          {w.description && <p className="mt-1 text-sm text-slate-500">{w.description}</p>}
          <p className="mt-1.5 flex flex-wrap gap-1">
            {w.events.map((e) => (
              <span key={e} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">
                {e}
              </span>
            ))}
          </p>
        </div>
        <WebhookActions id={w.id} active={w.active} />
      </div>
      <DataTable
        testId="webhook-deliveries"
        columns={["When", "Outcome", "Code", "Event", "Try", "Answer", { label: "Took", className: "text-right" }]}
        cell="px-4 py-2 font-medium"
        empty={
          w.deliveries.length === 0
            ? "Nothing sent yet. Registry changes this webhook listens for are delivered here; “Send a test” sends an example now."
            : undefined
        }
      >
        {w.deliveries.map((d) => (
          <DeliveryRow key={d.id} d={d} />
        ))}
      </DataTable>
    </section>
  );
}

export default async function WebhooksPage() {
  await requireAdmin();
  const { webhooks, total } = await webhooksOverview(await getDb());
  return (
    <div className="space-y-5">
      <PageHeader title="Webhooks">
        Registry webhooks tell CI/CD when a model version is created, an alias moves or a tag changes. Each shows its last{" "}
        {DELIVERIES_SHOWN} delivery attempts: the receiver&apos;s status code and the start of its answer. Failed attempts on 429 and 5xx
        are retried with backoff. Webhooks are created with MLflow&apos;s client (<code>MlflowClient().create_webhook</code>).
      </PageHeader>
      {webhooks.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white px-5 py-8 text-center text-sm text-slate-500">
          No webhooks yet. An admin creates one with <code>mlflow.MlflowClient().create_webhook(name, url, events)</code>; it then appears
          here with every delivery.
        </p>
      ) : (
        webhooks.map((w) => <WebhookCard key={w.id} w={w} />)
      )}
      {total > webhooks.length && (
        <p className="text-sm text-slate-500">
          Showing the newest {webhooks.length} of {total} webhooks; <code>MlflowClient().list_webhooks()</code> lists them all.
        </p>
      )}
    </div>
  );
}
