"use client";

import { Button } from "@/components/ui/button";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { submitWith } from "@/components/ui/submit-with";
import { CancelButton, SubmitButton } from "./form-controls";
import { mlflowDelete, mlflowPatch, mlflowPost } from "./mlflow";
import { registryProblem, useRegistryChange } from "./registry-queries";
import { AliasBadge } from "./stage-badge";

const STAGES = ["None", "Staging", "Production", "Archived"] as const;

function Problem({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="mt-1 text-sm text-red-600">
      {registryProblem(error)}
    </p>
  );
}

/** The registry's refusal in place of a whole page (models, a model, a version). */
export function RegistryAlert({ error }: { error: Error }) {
  return (
    <p
      role="alert"
      className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
      data-testid="registry-error"
    >
      {registryProblem(error)}
    </p>
  );
}

/**
 * A description shown as text with an Edit button; editing opens a textarea in place. `version` absent
 * means the registered model's own description.
 */
export function DescriptionEditor({ name, version, value }: { name: string; version?: string; value: string | undefined }) {
  const [draft, setDraft] = useState<string | null>(null);
  const save = useRegistryChange(name, (description: string) =>
    version === undefined
      ? mlflowPatch("registered-models/update", { name, description })
      : mlflowPatch("model-versions/update", { name, version, description }),
  );
  if (draft === null) {
    return (
      <div className="flex items-start gap-3">
        <p className="whitespace-pre-wrap text-slate-600" data-testid="description">
          {value ? (
            value
          ) : (
            <span className="text-slate-400">
              No description. Say what this {version ? "version" : "model"} is for and how it was trained.
            </span>
          )}
        </p>
        <Button variant="link" className="shrink-0" onClick={() => setDraft(value ?? "")}>
          Edit
        </Button>
      </div>
    );
  }
  return (
    <form onSubmit={submitWith(() => save.mutate(draft, { onSuccess: () => setDraft(null) }))}>
      <textarea
        id="description-input"
        aria-label="Description"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        rows={3}
        maxLength={5000}
        className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
        autoFocus
      />
      <div className="mt-1 flex gap-2">
        <SubmitButton label="Save description" pendingLabel="Saving…" pending={save.isPending} />
        <CancelButton onClick={() => setDraft(null)} />
      </div>
      <Problem error={save.error} />
    </form>
  );
}

/** Moves a version to another stage; Staging and Production can archive whatever held that stage before. */
export function StagePicker({ name, version, stage }: { name: string; version: string; stage: string }) {
  const [target, setTarget] = useState(stage);
  const [archiveOthers, setArchiveOthers] = useState(true);
  const move = useRegistryChange(name, (to: string) =>
    mlflowPost("model-versions/transition-stage", {
      name,
      version,
      stage: to,
      archive_existing_versions: archiveOthers && (to === "Staging" || to === "Production"),
    }),
  );
  return (
    <form className="flex flex-wrap items-center gap-2" onSubmit={submitWith(() => move.mutate(target))}>
      <select
        id="stage-select"
        aria-label="Stage"
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        className="rounded-md border border-slate-300 px-2 py-1 text-sm"
      >
        {STAGES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      {(target === "Staging" || target === "Production") && (
        <label className="flex items-center gap-1 text-sm text-slate-600">
          <input type="checkbox" checked={archiveOthers} onChange={(e) => setArchiveOthers(e.target.checked)} />
          archive the versions now in {target}
        </label>
      )}
      <SubmitButton label="Move" pendingLabel="Moving…" pending={move.isPending} blocked={target === stage} tone="outlined" />
      <Problem error={move.error} />
    </form>
  );
}

/** The aliases pointing at this version: remove one, or point a new or existing alias here. */
export function AliasEditor({ name, version, aliases }: { name: string; version: string; aliases: string[] }) {
  const [alias, setAlias] = useState("");
  const add = useRegistryChange(name, (a: string) => mlflowPost("registered-models/alias", { name, alias: a, version }));
  const remove = useRegistryChange(name, (a: string) => mlflowDelete("registered-models/alias", { name, alias: a }));
  return (
    <div>
      <ul className="flex flex-wrap items-center gap-2" data-testid="aliases">
        {aliases.length === 0 && <li className="text-sm text-slate-400">No alias points here yet.</li>}
        {aliases.map((a) => (
          <li key={a} className="flex items-center gap-1">
            <AliasBadge alias={a} />
            <button
              type="button"
              aria-label={`Remove alias ${a}`}
              onClick={() => remove.mutate(a)}
              className="text-xs text-slate-400 hover:text-red-600"
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        className="mt-2 flex flex-wrap items-center gap-2"
        onSubmit={submitWith(() => add.mutate(alias.trim(), { onSuccess: () => setAlias("") }))}
      >
        <input
          id="alias-input"
          aria-label="Alias"
          value={alias}
          onChange={(e) => setAlias(e.target.value)}
          placeholder="new alias, e.g. champion"
          className="w-56 rounded-md border border-slate-300 px-2 py-1 font-mono text-sm"
        />
        <SubmitButton label="Point here" pendingLabel="Pointing…" pending={add.isPending} blocked={alias.trim() === ""} tone="outlined" />
        <span className="text-xs text-slate-500">An alias already on another version moves to this one.</span>
      </form>
      <Problem error={add.error ?? remove.error} />
    </div>
  );
}

/**
 * Rename or delete a registered model. Deleting asks once more, naming how many versions go with it;
 * afterwards the page moves to where the model now is (or to the models list).
 */
export function ModelActions({ name, versions }: { name: string; versions: number }) {
  const router = useRouter();
  const [mode, setMode] = useState<"idle" | "rename" | "delete">("idle");
  const [newName, setNewName] = useState(name);
  const client = useQueryClient();
  // Not useRegistryChange: refetching the old name would flash "not found" before the page moves.
  const leave = (to: string) => {
    for (const key of ["registered-model", "model-versions", "model-version"]) client.removeQueries({ queryKey: [key, name] });
    router.replace(to);
    return client.invalidateQueries({ queryKey: ["registered-models"] });
  };
  const rename = useMutation({
    mutationFn: (to: string) => mlflowPost("registered-models/rename", { name, new_name: to }),
    onSuccess: (_, to) => leave(`/models/${encodeURIComponent(to)}`),
  });
  const remove = useMutation({
    mutationFn: () => mlflowDelete("registered-models/delete", { name }),
    onSuccess: () => leave("/models"),
  });
  if (mode === "rename") {
    return (
      <form className="flex flex-wrap items-center gap-2" onSubmit={submitWith(() => rename.mutate(newName.trim()))}>
        <input
          id="rename-input"
          aria-label="New name"
          value={newName}
          onChange={(e) => setNewName(e.target.value)}
          className="w-64 rounded-md border border-slate-300 px-2 py-1 text-sm"
          autoFocus
        />
        <SubmitButton
          label="Rename"
          pendingLabel="Renaming…"
          pending={rename.isPending}
          blocked={newName.trim() === "" || newName.trim() === name}
        />
        <CancelButton onClick={() => setMode("idle")} />
        <p className="w-full text-xs text-slate-500">
          Code that loads <code>models:/{name}/…</code> must use the new name afterwards.
        </p>
        <Problem error={rename.error} />
      </form>
    );
  }
  if (mode === "delete") {
    return (
      <div className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-red-200" role="group" aria-label="Confirm deletion">
        <p>
          Delete {name} and its {versions} version{versions === 1 ? "" : "s"}? Aliases and stages go with them; the runs and their files
          stay.
        </p>
        <div className="mt-2 flex gap-2">
          <Button variant="danger" loading={remove.isPending} onClick={() => remove.mutate()}>
            {remove.isPending ? "Deleting…" : "Delete for good"}
          </Button>
          <Button variant="link-quiet" onClick={() => setMode("idle")}>
            Keep it
          </Button>
        </div>
        <Problem error={remove.error} />
      </div>
    );
  }
  return (
    <div className="flex gap-3 text-sm">
      <Button variant="link" onClick={() => setMode("rename")}>
        Rename
      </Button>
      <Button variant="link-danger" onClick={() => setMode("delete")}>
        Delete model
      </Button>
    </div>
  );
}
