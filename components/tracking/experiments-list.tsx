"use client";

import { Button } from "@/components/ui/button";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import { submitWith } from "@/components/ui/submit-with";
import { ProjectPicker } from "@/components/projects/project-picker";
import type { ExperimentOverview } from "@/lib/tracking/overview/overview";

import { mlflowPost } from "./mlflow";

/** The experiments table with inline rename; the server page re-renders after a change. */
export function ExperimentsList({ experiments }: { experiments: ExperimentOverview[] }) {
  return (
    <DataTable
      testId="experiments-table"
      columns={["Experiment", { label: "Runs", className: "text-right" }, "Last activity", "Created by", ""]}
      panel
    >
      {experiments.map((e) => (
        <ExperimentRow key={e.experimentId} exp={e} canEdit={e.canEdit} />
      ))}
    </DataTable>
  );
}

function ExperimentRow({ exp, canEdit }: { exp: ExperimentOverview; canEdit: boolean }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(exp.name);
  const rename = useMutation({
    mutationFn: () => mlflowPost("experiments/update", { experiment_id: exp.experimentId, new_name: name.trim() }),
    onSuccess: () => {
      setEditing(false);
      router.refresh();
    },
  });
  return (
    <tr data-testid={`experiment-${exp.experimentId}`} className="hover:bg-slate-50/60">
      <td className="px-4 py-3">
        {editing ? (
          <form className="flex items-center gap-2" onSubmit={submitWith(() => rename.mutate())}>
            <input
              aria-label="New name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              className="w-64 rounded-md border border-slate-300 px-2 py-1"
              autoFocus
            />
            <Button type="submit" size="sm" loading={rename.isPending} disabled={name.trim() === ""}>
              Save
            </Button>
            <Button variant="link-quiet" onClick={() => setEditing(false)}>
              Cancel
            </Button>
            {rename.error && <span className="text-red-600">{rename.error.message}</span>}
          </form>
        ) : (
          <Link href={`/experiments/${exp.experimentId}`} className="font-medium text-brand-700 hover:underline">
            {exp.name}
          </Link>
        )}
      </td>
      <td className="px-4 py-3 text-right tabular-nums">{exp.runCount}</td>
      <td className="px-4 py-3 text-slate-600">
        <RelativeTime at={exp.lastActivity} />
      </td>
      <td className="px-4 py-3 text-slate-600">{exp.owner ?? <span className="text-slate-400">built in</span>}</td>
      <td className="px-4 py-3 text-right">
        {canEdit && !editing && (
          <Button variant="link-quiet" onClick={() => setEditing(true)}>
            Rename
          </Button>
        )}
      </td>
    </tr>
  );
}

/**
 * Creates an experiment through the MLflow API and opens it; in a project when one is picked, as an MLflow client
 * picks its workspace (`X-MLFLOW-WORKSPACE`, lib/tracking/workspace.ts), else in the personal space.
 */
export function NewExperimentForm({ project: initialProject = "" }: { project?: string }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [project, setProject] = useState(initialProject);
  const create = useMutation({
    mutationFn: () =>
      mlflowPost<{ experiment_id: string }>(
        "experiments/create",
        { name: name.trim() },
        project === "" ? {} : { "X-MLFLOW-WORKSPACE": project },
      ),
    onSuccess: (r) => router.push(`/experiments/${r.experiment_id}`),
  });
  return (
    <form className="flex flex-wrap items-end gap-2" onSubmit={submitWith(() => create.mutate())}>
      <ProjectPicker
        id="experiment-project"
        value={project}
        onChange={setProject}
        minRole="editor"
        className="mt-1 w-full rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm sm:w-56"
      />
      <input
        aria-label="Experiment name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. churn-model"
        maxLength={500}
        className="w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm sm:w-64"
      />
      <Button type="submit" loading={create.isPending} disabled={name.trim() === ""}>
        New experiment
      </Button>
      {create.error && <p className="w-full text-sm text-red-600">{create.error.message}</p>}
    </form>
  );
}
