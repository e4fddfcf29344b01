"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRef } from "react";
import { apiFetch } from "@/components/ui/api";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import { PageHeader } from "@/components/ui/page-header";
import { EndpointCharts } from "./endpoint-charts";
import { GrantsEditor } from "./grants-editor";
import { nextPollMs } from "./poll";
import { DeleteEndpoint } from "./delete-endpoint";
import { DriftPanel } from "./drift-panel";
import { StateBadge } from "./endpoint-state";
import { RequestLog } from "./request-log";
import { Revisions } from "./revisions";
import { Snippets } from "./snippets-card";
import { TryIt } from "./try-it";
import type { ExampleBody } from "@/lib/serving/example-body";
import type { EndpointPage } from "./types";

function usePolledEndpoint(name: string, initial: EndpointPage) {
  const last = useRef("");
  const unchanged = useRef(0);
  return useQuery({
    queryKey: ["serving-endpoint", name],
    queryFn: () => apiFetch<EndpointPage>(`/api/serving/${encodeURIComponent(name)}`),
    initialData: initial,
    retry: false,
    refetchInterval: (q) => {
      const d = q.state.data;
      const signature = JSON.stringify([d?.endpoint.state, d?.replicas, d?.revisions[0]?.version, d?.requests_last_hour]);
      if (signature === last.current) unchanged.current++;
      else {
        last.current = signature;
        unchanged.current = 0;
      }
      return nextPollMs(d?.endpoint.state.config_update === "IN_PROGRESS", unchanged.current);
    },
  });
}

/** The rollout of the pending revision: per served entity, replicas ready of those wanted, starting and failed. */
function RolloutProgress({ page }: { page: EndpointPage }) {
  const pending = page.revisions.find((r) => r.role === "pending");
  if (!pending) return null;
  const reason = page.endpoint.pending_config?.served_entities[0]?.state.deployment_state_message;
  const failedRollout = page.endpoint.state.config_update === "UPDATE_FAILED";
  return (
    <Card
      title={failedRollout ? `Revision ${pending.version} did not roll out` : `Rolling out revision ${pending.version}`}
      description={
        failedRollout
          ? "What served before keeps serving. The reason is below: change the config, or roll back, to try again."
          : "New replicas start and must answer /ping before traffic moves to them; until then what served before keeps serving."
      }
    >
      <ul className="space-y-3 text-sm" data-testid="rollout">
        {pending.served_entities.map((s) => {
          const of = (state: string) =>
            page.replicas.filter((r) => r.config_version === pending.version && r.served_entity === s.name && r.state === state);
          const count = (state: string) => of(state).reduce((n, r) => n + r.count, 0);
          const wanted = Math.max(1, s.min_replicas);
          const ready = count("ready");
          const failed = of("failed")[0];
          return (
            <li key={s.name}>
              <div className="flex flex-wrap justify-between gap-2">
                <span className="font-medium text-slate-800">
                  {s.model} v{s.version}
                </span>
                <span className="text-slate-600" data-testid={`rollout-${s.name}`}>
                  {ready} of {wanted} ready · {count("starting")} starting{count("failed") ? ` · ${count("failed")} failed` : ""}
                </span>
              </div>
              <div className="mt-1 h-2 overflow-hidden rounded-full bg-slate-100" aria-hidden>
                <div className="h-full bg-emerald-500 transition-all" style={{ width: `${Math.min(100, (ready / wanted) * 100)}%` }} />
              </div>
              {failed?.reason && <p className="mt-1 text-red-700">{failed.reason}</p>}
            </li>
          );
        })}
      </ul>
      {reason && <p className={`mt-3 text-xs ${failedRollout ? "text-red-700" : "text-slate-500"}`}>{reason}</p>}
    </Card>
  );
}

/** What serves now (or, before the first rollout ends, what will), with its share of the traffic and its replicas. */
function Served({ page }: { page: EndpointPage }) {
  const rev = page.revisions.find((r) => r.role === "active") ?? page.revisions.find((r) => r.role === "pending");
  if (!rev) return null;
  const ready = (name: string) =>
    page.replicas
      .filter((r) => r.config_version === rev.version && r.served_entity === name && r.state === "ready")
      .reduce((n, r) => n + r.count, 0);
  return (
    <Card
      title={rev.role === "active" ? "Serving now" : "Will serve"}
      description={`Revision ${rev.version}. Each request goes to one served version, picked by its traffic share.`}
    >
      <DataTable
        testId="served-entities"
        columns={["Served version", "Model", "Traffic", "Per replica", "Replicas", "Ready now"]}
        head="text-left text-slate-500"
        cell="py-1.5 pr-4 font-medium"
      >
        {rev.served_entities.map((s) => {
          const traffic = rev.routes.find((r) => r.served_entity_name === s.name)?.traffic_percentage;
          return (
            <tr key={s.name}>
              <td className="py-2 pr-4 font-mono text-xs">{s.name}</td>
              <td className="pr-4 whitespace-nowrap">
                <Link href={`/models/${encodeURIComponent(s.model)}/versions/${s.version}`} className="text-brand-700 hover:underline">
                  {s.model} v{s.version}
                </Link>
                {s.alias && <span className="ml-1 text-xs text-slate-500">follows @{s.alias}</span>}
              </td>
              <td className="pr-4 tabular-nums">
                {rev.shadow_entity_name === s.name ? <span className="text-slate-500">shadow copy</span> : `${traffic ?? 0} %`}
              </td>
              <td className="pr-4 whitespace-nowrap text-slate-600">
                {s.cpu} CPU · {s.memory_gb} GiB
              </td>
              <td className="pr-4 whitespace-nowrap text-slate-600">
                {s.min_replicas === s.max_replicas ? s.max_replicas : `${s.min_replicas}–${s.max_replicas}`}
                {s.scale_to_zero && <span className="block text-xs">scales to zero when idle</span>}
              </td>
              <td className="tabular-nums">{ready(s.name)}</td>
            </tr>
          );
        })}
      </DataTable>
      <LogSettings endpoint={page.endpoint} />
    </Card>
  );
}

/** The request log's settings (auto_capture_config), changed with PUT …/config (docs/serving.md, "The request log"). */
function LogSettings({ endpoint }: { endpoint: EndpointPage["endpoint"] }) {
  const c = (endpoint.config ?? endpoint.pending_config)?.auto_capture_config;
  if (!c) return null;
  const bodies =
    c.log_sample_rate === 0 || c.log_sample_bytes === 0
      ? "keeps no request or response bodies"
      : `keeps the first ${c.log_sample_bytes.toLocaleString("en")} bytes of the bodies of ${Math.round(c.log_sample_rate * 1000) / 10} % of calls`;
  return (
    <p className="mt-3 text-xs text-slate-500" data-testid="log-settings">
      The request log has a row for every call, {bodies}, and keeps rows {c.log_retention_days} days.
    </p>
  );
}

function Callers({ page }: { page: EndpointPage }) {
  if (!page.grants) {
    return (
      <Card title="Who may call it">
        <p className="text-sm text-slate-600">
          {page.endpoint.permission_level === "CAN_QUERY"
            ? "You may call this endpoint."
            : `Only ${page.endpoint.creator}, admins and whom ${page.endpoint.creator} allowed may call it; ask them for access.`}
        </p>
      </Card>
    );
  }
  return (
    <Card
      title="Who may call it"
      description="Besides you and admins. A person may call it with their sign-in or any of their tokens with serving:invoke; a token grant lets that one token call it."
    >
      <GrantsEditor name={page.endpoint.name} grants={page.grants} />
    </Card>
  );
}

/** One endpoint: live state, what it serves, charts, drift, try it, snippets, the request log, revisions and callers. */
export function EndpointDetail({
  name,
  initial,
  portalUrl,
  example,
}: {
  name: string;
  initial: EndpointPage;
  portalUrl: string;
  /** The body "Try it" and the snippets start with (lib/serving/served-example.ts). */
  example: ExampleBody;
}) {
  const polled = usePolledEndpoint(name, initial);
  const page = polled.data;
  const e = page.endpoint;
  const invocations = `${portalUrl.replace(/\/$/, "")}/serving-endpoints/${encodeURIComponent(name)}/invocations`;
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[{ href: "/serving", label: "Serving" }]}
        titleTestId="endpoint-name"
        title={
          <>
            {e.name} <StateBadge endpoint={e} />
          </>
        }
      >
        <p className="text-sm text-slate-500">
          Owned by {e.creator} · created {formatDateTime(e.creation_timestamp)} · {page.requests_last_hour.toLocaleString("en")} requests in
          the last hour
        </p>
        <div className="mt-1 flex items-center gap-2">
          <p className="break-all font-mono text-xs text-slate-600" data-testid="invocations-url">
            POST {invocations}
          </p>
          <CopyButton text={invocations} label="Copy URL" testId="copy-invocations-url" />
        </div>
        {polled.error && <p className="mt-1 text-sm text-red-700">Could not refresh: {polled.error.message}</p>}
      </PageHeader>
      <RolloutProgress page={page} />
      <Served page={page} />
      <EndpointCharts name={name} />
      {page.may_read_log && <DriftPanel name={name} />}
      <TryIt name={name} example={example} />
      <Snippets url={invocations} portal={portalUrl} name={name} example={example} />
      {page.may_read_log && <RequestLog name={name} versions={page.revisions[0]?.served_entities.map((s) => s.name) ?? []} />}
      <Revisions name={name} page={page} />
      <Callers page={page} />
      {page.may_manage && <DeleteEndpoint name={name} />}
    </div>
  );
}
