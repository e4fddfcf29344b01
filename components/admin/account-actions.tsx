"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import type { DeletionSummary } from "@/lib/users/manage";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const btn = "rounded-md border px-3 py-1.5 text-sm font-medium disabled:opacity-50";

/**
 * Ending a person's sessions, and deleting her after a dialog that names everything that goes with
 * her: running servers, API tokens, sessions, and the home volume when the admin chooses to remove it.
 */
export function AccountActions({ summary }: { summary: DeletionSummary }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [volume, setVolume] = useState<"keep" | "remove">("keep");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const path = `/api/users/${encodeURIComponent(summary.name)}`;

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : "That did not work.");
    } finally {
      setBusy(false);
    }
  };
  const endSessions = () =>
    run(async () => {
      const { revoked } = await apiFetch<{ revoked: number }>(`${path}/sessions`, { method: "DELETE" });
      setNotice(`${plural(revoked, "session")} ended; ${summary.name} has to sign in again.`);
      router.refresh();
    });
  const remove = () =>
    run(async () => {
      await apiFetch(`${path}?volume=${volume}`, { method: "DELETE" });
      router.push("/admin/users");
      router.refresh();
    });

  const servers = summary.activeServers;
  return (
    <div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" disabled={busy || summary.sessions === 0} onClick={endSessions} className={`${btn} border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}>
          End all sessions ({summary.sessions})
        </button>
        <button type="button" disabled={busy} onClick={() => setOpen(true)} className={`${btn} border-red-300 bg-white text-red-700 hover:bg-red-50`}>
          Delete user…
        </button>
        {notice && <span className="text-sm text-slate-600">{notice}</span>}
      </div>
      {error && !open && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {open && (
        <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
          <div role="dialog" aria-modal="true" aria-labelledby="delete-user-title" className="w-full max-w-lg rounded-xl bg-white p-6 shadow-xl">
            <h2 id="delete-user-title" className="text-lg font-semibold text-slate-900">
              Delete {summary.name}?
            </h2>
            <p className="mt-1 text-sm text-slate-600">This cannot be undone. A new user of the same name later is a different person and gets none of this back.</p>
            <ul className="mt-4 list-disc space-y-1 pl-5 text-sm text-slate-700">
              <li>
                {servers.length === 0
                  ? `${summary.name} has no running servers.`
                  : `${plural(servers.length, "running server")} (${servers.join(", ")}) will be stopped and removed; unsaved work in them is lost.`}
              </li>
              <li>{summary.tokens === 0 ? "No API tokens." : `${plural(summary.tokens, "API token")} will stop working.`}</li>
              <li>{summary.sessions === 0 ? "Not signed in anywhere." : `${plural(summary.sessions, "session")} will end.`}</li>
            </ul>
            <fieldset className="mt-4 space-y-2 text-sm">
              <legend className="font-medium text-slate-900">Home volume</legend>
              <label className="flex items-start gap-2">
                <input type="radio" name="volume" checked={volume === "keep"} onChange={() => setVolume("keep")} className="mt-1" />
                <span>
                  Keep the home volume <code className="font-mono text-xs">{summary.homeVolume}</code> on the engine (no new user is given it; an admin can still
                  copy files out)
                </span>
              </label>
              <label className="flex items-start gap-2">
                <input type="radio" name="volume" checked={volume === "remove"} onChange={() => setVolume("remove")} className="mt-1" />
                <span>Remove the home volume and every file in it</span>
              </label>
              {volume === "remove" && (
                <p className="rounded-md bg-red-50 px-3 py-2 text-red-800">
                  <code className="font-mono text-xs">{summary.homeVolume}</code> and all of {summary.name}&apos;s files in it will be deleted for good.
                </p>
              )}
            </fieldset>
            {error && (
              <p role="alert" className="mt-3 text-sm text-red-700">
                {error}
              </p>
            )}
            <div className="mt-6 flex justify-end gap-2">
              <button type="button" disabled={busy} onClick={() => setOpen(false)} className={`${btn} border-slate-300 bg-white text-slate-700`}>
                Cancel
              </button>
              <button type="button" disabled={busy} onClick={remove} className={`${btn} border-red-600 bg-red-600 text-white hover:bg-red-700`}>
                {busy ? "Deleting…" : `Delete ${summary.name}`}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
