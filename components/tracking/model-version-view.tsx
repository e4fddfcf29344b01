"use client";

import { CopyableCode } from "@/components/ui/code-block";
import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/components/ui/dates";
import { ArtifactBrowser } from "@/components/artifacts/artifact-browser";
import { Card } from "@/components/ui/card";
import { DeployPanel } from "@/components/serving/deploy-form";

import { KeyValueTable } from "./key-value-table";
import { AliasEditor, DescriptionEditor, RegistryAlert, StagePicker } from "./registry-edit";
import { registryProblem, useModelVersion, useVersionDownloadUri } from "./registry-queries";
import { SourceRunLink } from "./source-run-link";
import { StageBadge } from "./stage-badge";

/** One model version: where it came from, its stage and aliases (editable), its tags and its files. */
export function ModelVersionView({ name, version }: { name: string; version: string }) {
  const mv = useModelVersion(name, version);
  const uri = useVersionDownloadUri(name, version);
  if (mv.isPending)
    return (
      <p className="text-sm text-slate-500">
        Loading {name} version {version}…
      </p>
    );
  if (mv.error) return <RegistryAlert error={mv.error} />;
  const v = mv.data;
  const modelHref = `/models/${encodeURIComponent(name)}`;
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[
          { href: "/models", label: "Models" },
          { href: modelHref, label: name },
        ]}
        titleTestId="version-title"
        title={
          <>
            {name} v{v.version} <StageBadge stage={v.current_stage} />
          </>
        }
      >
        <p className="text-sm text-slate-500">
          Registered {formatDateTime(v.creation_timestamp)}
          {v.user_id ? ` by ${v.user_id}` : ""} · load it with{" "}
          <CopyableCode text={`mlflow.pyfunc.load_model("models:/${name}/${v.version}")`} testId="copy-load-model" />
        </p>
      </PageHeader>

      <DeployPanel
        what={`version ${v.version}`}
        choices={{
          model: name,
          versions: [v.version],
          aliases: (v.aliases ?? []).map((alias) => ({ alias, version: v.version })),
          initial: `v:${v.version}`,
        }}
      />

      <Card title="About this version">
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="text-slate-500">Source run</dt>
          <dd>{v.run_id ? <SourceRunLink runId={v.run_id} /> : <span className="text-slate-400">none recorded</span>}</dd>
          <dt className="text-slate-500">Files at</dt>
          <dd className="break-all font-mono text-xs text-slate-600" data-testid="version-source">
            {uri.data ?? v.source}
          </dd>
          <dt className="text-slate-500">Description</dt>
          <dd>
            <DescriptionEditor name={name} version={v.version} value={v.description} />
          </dd>
          <dt className="pt-1 text-slate-500">Stage</dt>
          <dd>
            <StagePicker key={v.current_stage} name={name} version={v.version} stage={v.current_stage ?? "None"} />
          </dd>
          <dt className="pt-1 text-slate-500">Aliases</dt>
          <dd>
            <AliasEditor name={name} version={v.version} aliases={v.aliases ?? []} />
          </dd>
        </dl>
      </Card>

      {uri.data ? (
        <ArtifactBrowser
          artifactUri={uri.data}
          title="Files"
          description="The model's files as mlflow.pyfunc.load_model downloads them: MLmodel, the environment and the weights."
          empty={
            <>
              No files at this version&apos;s source yet. A version registered from <code className="text-xs">runs:/&lt;run&gt;/model</code>{" "}
              shows the files the run logged under <code className="text-xs">model/</code>.
            </>
          }
        />
      ) : uri.error ? (
        <p className="text-sm text-red-600">{registryProblem(uri.error)}</p>
      ) : (
        <p className="text-sm text-slate-500">Finding this version&apos;s files…</p>
      )}

      <Card title="Tags">
        <KeyValueTable rows={v.tags ?? []} empty="No tags." testId="version-tags" />
      </Card>
    </div>
  );
}
