"use client";

import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import { RegistryAlert } from "./registry-edit";
import { useRegisteredModels } from "./registry-queries";
import { AliasBadge, StageBadge } from "./stage-badge";

/** Every registered model with its newest version, stages in use and aliases. */
export function ModelsList() {
  const models = useRegisteredModels();
  if (models.isPending) return <p className="text-sm text-slate-500">Loading models…</p>;
  if (models.error) return <RegistryAlert error={models.error} />;
  if (models.data.length === 0) {
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8 text-slate-600" data-testid="no-models">
        <p className="font-medium text-slate-800">No registered models yet.</p>
        <p className="mt-1 text-sm">
          Open a run and press <strong>Register model</strong>, or from a notebook:{" "}
          <code className="rounded bg-slate-100 px-1">
            mlflow.register_model(&quot;runs:/&lt;run id&gt;/model&quot;, &quot;my-model&quot;)
          </code>
          .
        </p>
      </div>
    );
  }
  return (
    <DataTable testId="models-table" columns={["Model", "Latest version", "Stages", "Aliases", "Updated"]} panel>
      {models.data.map((m) => {
        const latest = Math.max(0, ...(m.latest_versions ?? []).map((v) => Number(v.version)));
        const stages = (m.latest_versions ?? []).filter((v) => v.current_stage && v.current_stage !== "None");
        return (
          <tr key={m.name}>
            <td className="px-4 py-3">
              <Link href={`/models/${encodeURIComponent(m.name)}`} className="font-medium text-brand-700 hover:underline">
                {m.name}
              </Link>
              {m.description && <p className="mt-0.5 line-clamp-1 text-xs text-slate-500">{m.description}</p>}
            </td>
            <td className="px-4 py-3 tabular-nums">{latest > 0 ? `version ${latest}` : <span className="text-slate-400">none</span>}</td>
            <td className="space-x-1 px-4 py-3">
              {stages.length === 0 ? (
                <span className="text-xs text-slate-400">—</span>
              ) : (
                stages.map((v) => <StageBadge key={v.version} stage={`${v.current_stage ?? ""}`} />)
              )}
            </td>
            <td className="space-x-1 px-4 py-3">
              {(m.aliases ?? []).length === 0 ? (
                <span className="text-xs text-slate-400">—</span>
              ) : (
                (m.aliases ?? []).map((a) => <AliasBadge key={a.alias} alias={`${a.alias} → v${a.version}`} />)
              )}
            </td>
            <td className="px-4 py-3 text-slate-600">
              <RelativeTime at={m.last_updated_timestamp ?? m.creation_timestamp} />
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
