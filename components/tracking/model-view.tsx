"use client";

import { CopyableCode } from "@/components/ui/code-block";
import { PageHeader } from "@/components/ui/page-header";
import { formatDateTime } from "@/components/ui/dates";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { DeployPanel } from "@/components/serving/deploy-form";

import { KeyValueTable } from "./key-value-table";
import { DescriptionEditor, ModelActions, RegistryAlert } from "./registry-edit";
import { SourceRunLink } from "./source-run-link";
import { registryProblem, useModelVersions, useRegisteredModel } from "./registry-queries";
import { AliasBadge, StageBadge } from "./stage-badge";

/** Deploy from the model page: its aliases first (the usual way to serve "the champion"), then its versions, newest first. */
function deployChoices(model: string, versions: { version: string; aliases?: string[] }[]) {
  const aliases = versions.flatMap((v) => (v.aliases ?? []).map((alias) => ({ alias, version: v.version })));
  const first = aliases[0];
  return {
    model,
    versions: versions.map((v) => v.version),
    aliases,
    initial: first ? `a:${first.alias}` : `v:${versions[0]?.version ?? "1"}`,
  };
}

/** A registered model: description, tags, aliases, and every version with its stage and source run. */
export function ModelView({ name }: { name: string }) {
  const model = useRegisteredModel(name);
  const versions = useModelVersions(name);
  if (model.isPending) return <p className="text-sm text-slate-500">Loading {name}…</p>;
  if (model.error) return <RegistryAlert error={model.error} />;
  const m = model.data;
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[{ href: "/models", label: "Models" }]}
        titleTestId="model-name"
        title={m.name}
        actions={<ModelActions name={m.name} versions={versions.data?.length ?? 0} />}
      >
        <div data-testid="model-description">
          <DescriptionEditor name={m.name} value={m.description} />
        </div>
        <p className="mt-1 text-sm text-slate-500">
          Created {formatDateTime(m.creation_timestamp)}
          {m.user_id ? ` by ${m.user_id}` : ""} · load it with{" "}
          <CopyableCode text={`mlflow.pyfunc.load_model("models:/${m.name}@<alias>")`} testId="copy-load-model" />
        </p>
      </PageHeader>

      {versions.data && versions.data.length > 0 && (
        <DeployPanel what="a version, or an alias the endpoint follows as it moves," choices={deployChoices(m.name, versions.data)} />
      )}

      <Card
        title="Versions"
        description="Newest first. An alias (such as @champion) points at one version; code loads the model by alias. Open a version to move its stage, point an alias at it, or browse its files."
      >
        {versions.isPending ? (
          <p className="text-sm text-slate-500">Loading versions…</p>
        ) : versions.error ? (
          <p className="text-sm text-red-600">{registryProblem(versions.error)}</p>
        ) : versions.data.length === 0 ? (
          <p className="text-sm text-slate-500">No versions yet. Register one from a run page.</p>
        ) : (
          <DataTable
            testId="model-versions"
            columns={["Version", "Aliases", "Stage", "Source run", "Registered", "Description"]}
            head="text-left text-slate-500"
            cell="font-medium first:py-1.5"
          >
            {versions.data.map((v) => (
              <tr key={v.version} data-testid={`version-${v.version}`}>
                <td className="py-2 font-medium tabular-nums">
                  <Link href={`/models/${encodeURIComponent(m.name)}/versions/${v.version}`} className="text-brand-700 hover:underline">
                    v{v.version}
                  </Link>
                </td>
                <td className="space-x-1">
                  {(v.aliases ?? []).length === 0 ? (
                    <span className="text-xs text-slate-400">—</span>
                  ) : (
                    (v.aliases ?? []).map((a) => <AliasBadge key={a} alias={a} />)
                  )}
                </td>
                <td>
                  <StageBadge stage={v.current_stage} />
                </td>
                <td>
                  {v.run_id ? (
                    <SourceRunLink runId={v.run_id} />
                  ) : (
                    <span className="break-all font-mono text-xs text-slate-500">{v.source}</span>
                  )}
                </td>
                <td className="text-slate-600">
                  {formatDateTime(v.creation_timestamp)}
                  {v.user_id ? <span className="text-slate-400"> · {v.user_id}</span> : null}
                </td>
                <td className="text-slate-600">{v.description ?? <span className="text-slate-300">—</span>}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>

      <Card title="Tags">
        <KeyValueTable rows={m.tags ?? []} empty="No tags." testId="model-tags" />
      </Card>
    </div>
  );
}
