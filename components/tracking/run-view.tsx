"use client";

import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/components/ui/dates";
import { useState } from "react";
import { ArtifactBrowser } from "@/components/artifacts/artifact-browser";
import { Card } from "@/components/ui/card";
import { metricValue, runDuration } from "./format";
import { KeyValueTable } from "./key-value-table";
import { MetricChart, XAxisSwitch, type XAxisMode } from "./metric-chart";
import type { WireRun } from "./mlflow";
import { RegisterModel } from "./register-model";
import { RunActions } from "./run-actions";
import { RunStatus } from "./run-status";
import { CopyButton } from "@/components/ui/copy-button";
import { DESCRIPTION_TAG } from "@/lib/tracking/runs/constants";

const isSystemTag = (key: string) => key.startsWith("mlflow.") || key.startsWith("atrium.");

export interface RunPermissions {
  canEdit: boolean;
  canDelete: boolean;
}

/** One run: what it is, its latest metrics, a chart per metric, its params and tags, and registering its model. */
export function RunView({ run, experimentName, access }: { run: WireRun; experimentName: string; access: RunPermissions }) {
  const { info, data } = run;
  const [mode, setMode] = useState<XAxisMode>("step");
  const metrics = data.metrics ?? [];
  const tags = data.tags ?? [];
  const userTags = tags.filter((t) => !isSystemTag(t.key));
  const systemTags = tags.filter((t) => isSystemTag(t.key));
  const description = tags.find((t) => t.key === DESCRIPTION_TAG)?.value ?? "";
  const deleted = info.lifecycle_stage === "deleted";
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[
          { href: "/experiments", label: "Experiments" },
          { href: `/experiments/${info.experiment_id}`, label: experimentName, testId: "run-experiment" },
        ]}
        title={
          <>
            <span data-testid="run-title">{info.run_name}</span> <RunStatus status={info.status} />
            {info.lifecycle_stage === "deleted" && (
              <span className="rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-700">deleted</span>
            )}
          </>
        }
        actions={
          <div className="flex w-full flex-wrap items-start gap-2 sm:w-auto sm:max-w-md sm:justify-end">
            <RunActions
              run={{ runId: info.run_id, name: info.run_name, description, tags: userTags, deleted }}
              canEdit={access.canEdit}
              canDelete={access.canDelete}
            />
            {!deleted && <RegisterModel runId={info.run_id} suggestedName={experimentName} />}
          </div>
        }
      >
        <p className="text-sm text-slate-500">
          by <strong className="font-medium text-slate-700">{info.user_id || "unknown"}</strong> · started {formatDateTime(info.start_time)}{" "}
          · {runDuration(info)} · run ID{" "}
          <code className="break-all text-xs" data-testid="run-id">
            {info.run_id}
          </code>{" "}
          <CopyButton text={info.run_id} label="Copy ID" testId="copy-run-id" />
        </p>
        {description && (
          <p className="mt-2 whitespace-pre-wrap text-sm text-slate-700" data-testid="run-description">
            {description}
          </p>
        )}
        {deleted && (
          <p className="mt-2 text-sm text-red-700" data-testid="run-deleted-note">
            This run is deleted: it no longer shows in its experiment. Restore it to bring it back.
          </p>
        )}
      </PageHeader>

      {metrics.length > 0 && (
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="latest-metrics">
          {metrics.map((m) => (
            <div key={m.key} className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm">
              <div className="truncate font-mono text-xs text-slate-500" title={m.key}>
                {m.key}
              </div>
              <div className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{metricValue(m.value)}</div>
              <div className="text-xs text-slate-400">at step {m.step}</div>
            </div>
          ))}
        </div>
      )}

      <Card
        title="Metric history"
        description={metrics.length > 0 ? "Each metric over the run, downsampled on the server so long histories draw quickly." : undefined}
        action={metrics.length > 0 ? <XAxisSwitch mode={mode} onChange={setMode} /> : undefined}
      >
        {metrics.length === 0 ? (
          <p className="text-sm text-slate-500">
            This run has no metrics. Log one with <code>mlflow.log_metric(&quot;loss&quot;, 0.3, step=1)</code>.
          </p>
        ) : (
          <div className="grid gap-6 md:grid-cols-2">
            {metrics.map((m) => (
              <div key={m.key}>
                <h3 className="mb-1 font-mono text-sm text-slate-700">{m.key}</h3>
                <MetricChart metricKey={m.key} runs={[{ id: info.run_id, name: info.run_name }]} mode={mode} />
              </div>
            ))}
          </div>
        )}
      </Card>

      <div className="grid gap-6 md:grid-cols-2">
        <Card title="Parameters" description="Written once per run.">
          <KeyValueTable rows={data.params ?? []} empty="No parameters logged." testId="run-params" />
        </Card>
        <Card title="Tags">
          <KeyValueTable rows={userTags} empty="No tags of your own; system tags below." testId="run-tags" />
          {systemTags.length > 0 && (
            <details className="mt-3">
              <summary className="cursor-pointer text-sm text-slate-500">System tags ({systemTags.length})</summary>
              <div className="mt-2">
                <KeyValueTable rows={systemTags} empty="" muted={() => true} />
              </div>
            </details>
          )}
        </Card>
      </div>

      <ArtifactBrowser artifactUri={info.artifact_uri} />
    </div>
  );
}
