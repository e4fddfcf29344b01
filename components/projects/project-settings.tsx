"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { submitWith } from "@/components/ui/submit-with";

const INPUT = "mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm";

/** An owner's settings: rename, describe (PATCH /api/projects/<p>) and delete (DELETE), the last after typing its name. */
export function ProjectSettings({ project, description }: { project: string; description: string }) {
  const router = useRouter();
  const path = `/api/projects/${encodeURIComponent(project)}`;
  const [name, setName] = useState(project);
  const [text, setText] = useState(description);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const save = useMutation({
    mutationFn: () => {
      const ask = {
        ...(name.trim() !== project ? { name: name.trim() } : {}),
        ...(text.trim() !== description ? { description: text.trim() } : {}),
      };
      return apiFetch<{ name: string }>(path, { method: "PATCH", body: JSON.stringify(ask) });
    },
    onSuccess: (p) => (p.name === project ? router.refresh() : router.replace(`/projects/${encodeURIComponent(p.name)}`)),
  });
  const remove = useMutation({
    mutationFn: () => apiFetch(path, { method: "DELETE" }),
    onSuccess: () => router.push("/projects"),
  });
  const unchanged = name.trim() === project && text.trim() === description;
  return (
    <div className="space-y-6">
      <form className="grid gap-3 sm:grid-cols-[16rem_1fr_auto] sm:items-end" onSubmit={submitWith(() => save.mutate())}>
        <Field id="settings-name" label="Name" hint="Renaming changes its URL and its MLflow workspace name.">
          <input id="settings-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={63} className={INPUT} />
        </Field>
        <Field id="settings-description" label="Description">
          <input id="settings-description" value={text} onChange={(e) => setText(e.target.value)} maxLength={1000} className={INPUT} />
        </Field>
        <Button type="submit" variant="secondary" loading={save.isPending} disabled={unchanged || name.trim() === ""} className="sm:mb-5">
          Save
        </Button>
        {save.error && (
          <p className="text-sm text-red-600 sm:col-span-3" role="alert">
            {save.error.message}
          </p>
        )}
      </form>
      <div className="space-y-2 border-t border-slate-100 pt-4" data-testid="delete-project">
        <p className="text-sm text-slate-600">
          Deleting the project removes its members. Its experiments, models, jobs and endpoints are kept: each goes back to the personal
          space of the person who made it.
        </p>
        {confirming ? (
          <form className="flex flex-wrap items-center gap-2" onSubmit={submitWith(() => remove.mutate())}>
            <label htmlFor="confirm-delete" className="text-sm text-slate-700">
              Type <strong>{project}</strong> to confirm:
            </label>
            <input
              id="confirm-delete"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoFocus
              className="w-48 rounded-md border border-slate-300 px-2 py-1 text-sm"
            />
            <Button type="submit" variant="danger" loading={remove.isPending} disabled={typed !== project}>
              Delete project
            </Button>
            <Button variant="link-quiet" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </form>
        ) : (
          <Button variant="danger-outline" onClick={() => setConfirming(true)}>
            Delete project…
          </Button>
        )}
        {remove.error && (
          <p className="text-sm text-red-600" role="alert">
            {remove.error.message}
          </p>
        )}
      </div>
    </div>
  );
}
