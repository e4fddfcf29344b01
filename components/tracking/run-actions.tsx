"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { submitWith } from "@/components/ui/submit-with";
import { useAction } from "@/components/ui/use-action";
import { CancelButton, SubmitButton } from "./form-controls";

interface Tag {
  key: string;
  value: string;
}

export interface EditableRun {
  runId: string;
  name: string;
  description: string;
  /** The person's own tags (system tags are not edited here). */
  tags: Tag[];
  deleted: boolean;
}

/**
 * Edit (name, description, tags), Delete (with a confirmation; MLflow's soft delete) and Restore for a run,
 * through the portal's run routes; the buttons show only to whom the access rule lets do each.
 */
export function RunActions({ run, canEdit, canDelete }: { run: EditableRun; canEdit: boolean; canDelete: boolean }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const router = useRouter();
  const action = useAction();
  const path = `/api/runs/${run.runId}`;
  const restore = () =>
    action.run(async () => {
      await apiFetch(`${path}/restore`, { method: "POST" });
      router.refresh();
    });
  return (
    <div className="flex flex-wrap items-center gap-2">
      {canEdit && !run.deleted && (
        <Button variant="secondary" onClick={() => setEditing(true)} data-testid="edit-run">
          Edit
        </Button>
      )}
      {canDelete && !run.deleted && (
        <Button variant="danger-outline" onClick={() => setConfirming(true)} data-testid="delete-run">
          Delete…
        </Button>
      )}
      {canDelete && run.deleted && (
        <Button variant="secondary" loading={action.busy} onClick={() => void restore()} data-testid="restore-run">
          Restore
        </Button>
      )}
      {action.error && (
        <p role="alert" className="w-full text-sm text-red-700">
          {action.error}
        </p>
      )}
      {editing && <EditRunDialog run={run} onClose={() => setEditing(false)} />}
      {confirming && <DeleteRunDialog run={run} onClose={() => setConfirming(false)} />}
    </div>
  );
}

function Dialog({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
      <div
        role="dialog"
        aria-modal="true"
        aria-label={title}
        className="max-h-[90vh] w-full max-w-lg overflow-y-auto rounded-xl bg-white p-6 text-left shadow-xl"
      >
        <h2 className="text-lg font-semibold text-slate-900">{title}</h2>
        {children}
      </div>
    </div>
  );
}

function DeleteRunDialog({ run, onClose }: { run: EditableRun; onClose: () => void }) {
  const router = useRouter();
  const { busy, error, run: act } = useAction();
  const remove = () =>
    act(async () => {
      await apiFetch(`/api/runs/${run.runId}`, { method: "DELETE" });
      onClose();
      router.refresh();
    });
  return (
    <Dialog title={`Delete run ${run.name}?`}>
      <p className="mt-2 text-sm text-slate-600">
        The run leaves the experiment’s runs table. Its metrics, parameters, tags and artifacts are kept, and you can restore it from this
        page (MLflow’s soft delete).
      </p>
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button variant="secondary" disabled={busy} onClick={onClose}>
          Cancel
        </Button>
        <Button variant="danger" loading={busy} onClick={() => void remove()} data-testid="confirm-delete-run">
          {busy ? "Deleting…" : "Delete run"}
        </Button>
      </div>
    </Dialog>
  );
}

const inputClass = "w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

function EditRunDialog({ run, onClose }: { run: EditableRun; onClose: () => void }) {
  const router = useRouter();
  const [name, setName] = useState(run.name);
  const [description, setDescription] = useState(run.description);
  const [tags, setTags] = useState<Tag[]>(run.tags);
  const { busy, error, run: act } = useAction();
  const setTag = (i: number, change: Partial<Tag>) => setTags((all) => all.map((t, j) => (j === i ? { ...t, ...change } : t)));
  const save = () =>
    act(async () => {
      const kept = tags.map((t) => ({ key: t.key.trim(), value: t.value })).filter((t) => t.key !== "");
      const keys = new Set(kept.map((t) => t.key));
      const before = new Map(run.tags.map((t) => [t.key, t.value]));
      const body = {
        ...(name.trim() !== run.name ? { name: name.trim() } : {}),
        ...(description !== run.description ? { description } : {}),
        setTags: kept.filter((t) => before.get(t.key) !== t.value),
        deleteTags: run.tags.map((t) => t.key).filter((k) => !keys.has(k)),
      };
      await apiFetch(`/api/runs/${run.runId}`, { method: "PATCH", body: JSON.stringify(body) });
      onClose();
      router.refresh();
    });
  return (
    <Dialog title="Edit run">
      <form className="mt-4 space-y-4" onSubmit={submitWith(() => void save())}>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">Name</span>
          <input className={`${inputClass} mt-1`} value={name} onChange={(e) => setName(e.target.value)} aria-label="Run name" />
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">Description</span>
          <textarea
            className={`${inputClass} mt-1 h-24`}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-label="Description"
          />
        </label>
        <fieldset className="space-y-2 text-sm">
          <legend className="font-medium text-slate-700">Tags</legend>
          {tags.map((t, i) => (
            <div key={i} className="flex gap-2">
              <input
                className={`${inputClass} font-mono`}
                value={t.key}
                placeholder="key"
                aria-label={`Tag ${i + 1} key`}
                onChange={(e) => setTag(i, { key: e.target.value })}
              />
              <input
                className={inputClass}
                value={t.value}
                placeholder="value"
                aria-label={`Tag ${i + 1} value`}
                onChange={(e) => setTag(i, { value: e.target.value })}
              />
              <Button
                variant="link-quiet"
                onClick={() => setTags((all) => all.filter((_, j) => j !== i))}
                aria-label={`Remove tag ${i + 1}`}
              >
                Remove
              </Button>
            </div>
          ))}
          <Button variant="link" onClick={() => setTags((all) => [...all, { key: "", value: "" }])}>
            + Add tag
          </Button>
        </fieldset>
        {error && (
          <p role="alert" className="text-sm text-red-700" data-testid="edit-run-error">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <CancelButton onClick={onClose} />
          <SubmitButton label="Save" pendingLabel="Saving…" pending={busy} blocked={name.trim() === ""} />
        </div>
      </form>
    </Dialog>
  );
}
