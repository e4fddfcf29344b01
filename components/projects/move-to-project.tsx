"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { MovableKind } from "@/lib/projects/move";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { ProjectPicker } from "./project-picker";

/**
 * "Move to project…" on an experiment's, a registered model's, a job's and an endpoint's page, shown only to those
 * who manage it (lib/projects/move.ts `moveChoice`): the project picker lists where she edits; the personal space
 * is its creator's. POST /api/projects/<p>/move decides again (docs/projects.md, "Moving things").
 */
export function MoveToProject({ kind, id, project }: { kind: MovableKind; id: string; project: string | null }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState(project ?? "");
  const move = useMutation({
    mutationFn: () =>
      apiFetch(`/api/projects/${encodeURIComponent(target === "" ? "default" : target)}/move`, {
        method: "POST",
        body: JSON.stringify({ kind, id }),
      }),
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  return (
    <div className="flex flex-wrap items-end gap-2 text-sm text-slate-500" data-testid="move-to-project">
      <span>
        In{" "}
        {project ? (
          <Link
            className="font-medium text-slate-700 underline"
            href={`/projects/${encodeURIComponent(project)}`}
            data-testid="current-project"
          >
            project {project}
          </Link>
        ) : (
          <span data-testid="current-project">its creator&apos;s personal space</span>
        )}
      </span>
      {open ? (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            move.mutate();
          }}
        >
          <ProjectPicker
            id={`move-${kind}`}
            value={target}
            onChange={setTarget}
            minRole="editor"
            label="Move to"
            className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
          />
          <Button type="submit" size="sm" loading={move.isPending} disabled={target === (project ?? "")} data-testid="move-submit">
            Move
          </Button>
          <Button type="button" size="sm" variant="secondary" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <Button type="button" size="sm" variant="secondary" onClick={() => setOpen(true)} data-testid="move-open">
          Move to project…
        </Button>
      )}
      {move.error && (
        <p className="w-full text-red-600" role="alert" data-testid="move-error">
          {move.error.message}
        </p>
      )}
    </div>
  );
}
