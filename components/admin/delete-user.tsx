"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { useAction } from "@/components/ui/use-action";
import type { DeletionSummary } from "@/lib/users/manage";

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * "Delete user…" and the dialog it opens, which names everything that goes with the person: running
 * servers, jobs and their unfinished executions, API tokens, sessions, and the home volume (kept, or removed when the admin says so). The
 * summary is read when the dialog opens (GET /api/users/<name>/deletion), so it is current.
 */
export function DeleteUserButton({ name, compact = false }: { name: string; compact?: boolean }) {
  const router = useRouter();
  const [summary, setSummary] = useState<DeletionSummary | null>(null);
  const [volume, setVolume] = useState<"keep" | "remove">("keep");
  const { busy, error, run } = useAction();
  const path = `/api/users/${encodeURIComponent(name)}`;

  const open = () =>
    run(async () => {
      setVolume("keep");
      setSummary(await apiFetch<DeletionSummary>(`${path}/deletion`));
    });
  const remove = () =>
    run(async () => {
      await apiFetch(`${path}?volume=${volume}`, { method: "DELETE" });
      setSummary(null);
      router.push("/admin/users");
      router.refresh();
    });

  return (
    <>
      <Button
        variant={compact ? "link-danger" : "danger-outline"}
        disabled={busy}
        onClick={() => void open()}
        aria-label={compact ? `Delete ${name}…` : undefined}
      >
        {compact ? "Delete…" : "Delete user…"}
      </Button>
      {error && !summary && (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      )}
      {summary && (
        <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
          <div
            role="dialog"
            aria-modal="true"
            aria-labelledby={`delete-${name}-title`}
            className="w-full max-w-lg rounded-xl bg-white p-6 text-left shadow-xl"
          >
            <h2 id={`delete-${name}-title`} className="text-lg font-semibold text-slate-900">
              Delete {name}?
            </h2>
            <p className="mt-1 text-sm text-slate-600">
              This cannot be undone. A new user of the same name later is a different person and gets none of this back.
            </p>
            <ul className="mt-4 list-disc space-y-1 pl-5 text-sm text-slate-700">
              <li>
                {summary.activeServers.length === 0
                  ? `${name} has no running servers.`
                  : `${plural(summary.activeServers.length, "running server")} (${summary.activeServers.join(", ")}) will be stopped and removed; unsaved work in them is lost.`}
              </li>
              <li data-testid="delete-user-jobs">
                {summary.jobs.length === 0
                  ? "No jobs."
                  : `${plural(summary.jobs.length, "job")} (${summary.jobs.join(", ")}) will be deleted and never run again${
                      summary.unfinishedExecutions > 0
                        ? `; ${plural(summary.unfinishedExecutions, "queued or running execution")} will be cancelled`
                        : ""
                    }.`}
              </li>
              <li>{summary.tokens === 0 ? "No API tokens." : `${plural(summary.tokens, "API token")} will stop working.`}</li>
              <li>{summary.sessions === 0 ? "Not signed in anywhere." : `${plural(summary.sessions, "session")} will end.`}</li>
            </ul>
            <fieldset className="mt-4 space-y-2 text-sm">
              <legend className="font-medium text-slate-900">Home volume</legend>
              <label className="flex items-start gap-2">
                <input
                  type="radio"
                  name={`volume-${name}`}
                  checked={volume === "keep"}
                  onChange={() => setVolume("keep")}
                  className="mt-1"
                />
                <span>
                  Keep the home volume <code className="font-mono text-xs">{summary.homeVolume}</code> on the engine (no new user is given
                  it; an admin can still copy files out)
                </span>
              </label>
              <label className="flex items-start gap-2">
                <input
                  type="radio"
                  name={`volume-${name}`}
                  checked={volume === "remove"}
                  onChange={() => setVolume("remove")}
                  className="mt-1"
                />
                <span>Remove the home volume and every file in it</span>
              </label>
              {volume === "remove" && (
                <p className="rounded-md bg-red-50 px-3 py-2 text-red-800">
                  <code className="font-mono text-xs">{summary.homeVolume}</code> and all of {name}&apos;s files in it will be deleted for
                  good.
                </p>
              )}
            </fieldset>
            {error && (
              <p role="alert" className="mt-3 text-sm text-red-700">
                {error}
              </p>
            )}
            <div className="mt-6 flex justify-end gap-2">
              <Button variant="secondary" disabled={busy} onClick={() => setSummary(null)}>
                Cancel
              </Button>
              <Button variant="danger" loading={busy} onClick={() => void remove()}>
                {busy ? "Deleting…" : `Delete ${name}`}
              </Button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
