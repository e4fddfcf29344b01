"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/ui/use-action";
import type { ProjectAllowanceRow } from "@/lib/projects/allowance-overview";
import { formatBytes } from "@/lib/quota/bytes";

type Field = "cpu" | "memGb" | "endpoints" | "storageGb";
const FIELDS: { key: Field; label: string; unit: string; step: number; held: (r: ProjectAllowanceRow) => string }[] = [
  { key: "cpu", label: "CPUs", unit: "CPUs", step: 0.25, held: (r) => `${fmt(r.inUse.cpu)} CPUs` },
  { key: "memGb", label: "Memory", unit: "GiB", step: 0.25, held: (r) => `${fmt(r.inUse.memGb)} GiB` },
  { key: "endpoints", label: "Endpoints", unit: "", step: 1, held: (r) => String(r.inUse.endpoints) },
  { key: "storageGb", label: "Storage", unit: "GiB", step: 0.25, held: (r) => formatBytes(r.inUse.storageBytes) },
];
const cell = "w-24 rounded-md border border-slate-300 bg-white px-2 py-1 text-right text-sm tabular-nums";

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function AllowanceRow({ project }: { project: ProjectAllowanceRow }) {
  const router = useRouter();
  const [values, setValues] = useState<Record<Field, string>>(
    () =>
      Object.fromEntries(FIELDS.map((f) => [f.key, project.allowance[f.key] === null ? "" : String(project.allowance[f.key])])) as Record<
        Field,
        string
      >,
  );
  const { busy, error, run } = useAction("Could not save the allowance.");
  const [saved, setSaved] = useState(false);
  const save = async () => {
    setSaved(false);
    // An empty field lifts that limit (null); the server refuses a bad number in one sentence, shown in the row.
    const body = Object.fromEntries(FIELDS.map((f) => [f.key, values[f.key].trim() === "" ? null : Number(values[f.key])]));
    const ok = await run(() =>
      apiFetch(`/api/projects/${encodeURIComponent(project.name)}/allowance`, { method: "PUT", body: JSON.stringify(body) }),
    );
    if (!ok) return;
    setSaved(true);
    router.refresh();
  };
  const status = error ? { ok: false, text: error } : saved ? { ok: true, text: "Saved; applies from the next start or upload." } : null;
  return (
    <tr data-testid={`allowance-row-${project.name}`} className="align-top">
      <td className="px-4 py-2.5">
        <Link href={`/projects/${encodeURIComponent(project.name)}`} className="font-medium text-slate-900 hover:underline">
          {project.name}
        </Link>
        <div className="text-xs text-slate-500">
          {project.inUse.servers} server{project.inUse.servers === 1 ? "" : "s"}, {project.inUse.jobs} running job
          {project.inUse.jobs === 1 ? "" : "s"}
        </div>
      </td>
      {FIELDS.map((f) => (
        <td key={f.key} className="px-2 py-2.5">
          <input
            type="number"
            min={0}
            step={f.step}
            placeholder="no limit"
            aria-label={`${f.label} for ${project.name}`}
            value={values[f.key]}
            onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
            className={cell}
          />
          <div className="mt-1 text-xs text-slate-500" data-testid={`in-use-${f.key}-${project.name}`}>
            {f.held(project)} in use
          </div>
        </td>
      ))}
      <td className="px-4 py-2.5">
        <Button size="sm" loading={busy} onClick={() => void save()}>
          Save
        </Button>
        {status && (
          <p role="status" className={`mt-1 max-w-xs text-xs ${status.ok ? "text-emerald-700" : "text-red-600"}`}>
            {status.text}
          </p>
        )}
      </td>
    </tr>
  );
}

/** Every project's allowance, editable per row with PUT /api/projects/<p>/allowance, beside what it holds now. */
export function ProjectAllowances({ projects }: { projects: ProjectAllowanceRow[] }) {
  if (projects.length === 0)
    return (
      <p className="rounded-xl border border-slate-200 bg-white p-6 text-sm text-slate-600 shadow-sm" data-testid="no-projects">
        There are no projects yet. People create them under Projects; their allowances are set here.
      </p>
    );
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-sm" data-testid="project-allowances">
        <thead className="bg-slate-50 text-left text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Project</th>
            {FIELDS.map((f) => (
              <th key={f.key} className="px-2 font-medium">
                {f.label}
                <span className="block text-xs font-normal text-slate-400">{f.unit ? `${f.unit} in all` : "at most"}</span>
              </th>
            ))}
            <th className="px-4" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {projects.map((p) => (
            <AllowanceRow key={p.name} project={p} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
