"use client";

import { useState } from "react";
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

/**
 * A description shown as text with an Edit button; editing opens a textarea in place. `version` absent
 * means the registered model's own description.
 */
export function DescriptionEditor({ name, version, value }: { name: string; version?: string; value: string | undefined }) {
  const [draft, setDraft] = useState<string | null>(null);
  const save = useRegistryChange(name, (description: string) =>
    version === undefined ? mlflowPatch("registered-models/update", { name, description }) : mlflowPatch("model-versions/update", { name, version, description }),
  );
  if (draft === null) {
    return (
      <div className="flex items-start gap-3">
        <p className="whitespace-pre-wrap text-slate-600" data-testid="description">
          {value ? value : <span className="text-slate-400">No description. Say what this {version ? "version" : "model"} is for and how it was trained.</span>}
        </p>
        <button type="button" onClick={() => setDraft(value ?? "")} className="shrink-0 text-sm text-brand-700 hover:underline">
          Edit
        </button>
      </div>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(draft, { onSuccess: () => setDraft(null) });
      }}
    >
      <label className="sr-only" htmlFor="description-input">
        Description
      </label>
      <textarea
        id="description-input"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        rows={3}
        maxLength={5000}
        className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
        autoFocus
      />
      <div className="mt-1 flex gap-2">
        <button type="submit" disabled={save.isPending} className="rounded-md bg-brand-600 px-3 py-1 text-sm font-medium text-white disabled:opacity-60">
          {save.isPending ? "Saving…" : "Save description"}
        </button>
        <button type="button" onClick={() => setDraft(null)} className="text-sm text-slate-500 hover:underline">
          Cancel
        </button>
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
    mlflowPost("model-versions/transition-stage", { name, version, stage: to, archive_existing_versions: archiveOthers && (to === "Staging" || to === "Production") }),
  );
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        move.mutate(target);
      }}
    >
      <label htmlFor="stage-select" className="sr-only">
        Stage
      </label>
      <select id="stage-select" value={target} onChange={(e) => setTarget(e.target.value)} className="rounded-md border border-slate-300 px-2 py-1 text-sm">
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
      <button type="submit" disabled={move.isPending || target === stage} className="rounded-md border border-brand-600 px-3 py-1 text-sm font-medium text-brand-700 disabled:opacity-50">
        {move.isPending ? "Moving…" : "Move"}
      </button>
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
            <button type="button" aria-label={`Remove alias ${a}`} onClick={() => remove.mutate(a)} className="text-xs text-slate-400 hover:text-red-600">
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form
        className="mt-2 flex flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(alias.trim(), { onSuccess: () => setAlias("") });
        }}
      >
        <label htmlFor="alias-input" className="sr-only">
          Alias
        </label>
        <input id="alias-input" value={alias} onChange={(e) => setAlias(e.target.value)} placeholder="new alias, e.g. champion" className="w-56 rounded-md border border-slate-300 px-2 py-1 font-mono text-sm" />
        <button type="submit" disabled={add.isPending || alias.trim() === ""} className="rounded-md border border-brand-600 px-3 py-1 text-sm font-medium text-brand-700 disabled:opacity-50">
          {add.isPending ? "Pointing…" : "Point here"}
        </button>
        <span className="text-xs text-slate-500">An alias already on another version moves to this one.</span>
      </form>
      <Problem error={add.error ?? remove.error} />
    </div>
  );
}
