"use client";

import { useEffect, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import type { HomeListing } from "@/lib/jobs/home-files";

const parentOf = (dir: string) => dir.split("/").slice(0, -1).join("/");
const joined = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

/**
 * Browses one folder of `owner`'s home at a time (GET /api/users/<owner>/home, which reads the volume whether or not
 * a server runs) and hands the chosen notebook or script to `onPick`; typing the path stays possible beside it.
 */
export function HomePicker({ owner, environment, onPick }: { owner: string; environment: string; onPick: (path: string) => void }) {
  const [dir, setDir] = useState("");
  // The answer for one folder; another `key` than the one asked now means it is still on its way.
  const [state, setState] = useState<{ key: string; listing?: HomeListing; error?: string }>({ key: "" });
  const key = new URLSearchParams({ dir, environment }).toString();
  useEffect(() => {
    let live = true;
    apiFetch<HomeListing>(`/api/users/${encodeURIComponent(owner)}/home?${key}`).then(
      (listing) => live && setState({ key, listing }),
      (err: unknown) => live && setState({ key, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [owner, key]);

  const loading = state.key !== key;
  const listing = loading ? undefined : state.listing;
  const error = loading ? undefined : state.error;
  return (
    <div className="mt-2 rounded-md border border-slate-200 bg-slate-50 p-2 text-sm" data-testid="home-picker">
      <div className="mb-1 flex items-center gap-2 text-xs text-slate-600">
        <span className="min-w-0 flex-1 truncate font-mono" data-testid="home-picker-dir">
          ~/{dir}
        </span>
        {dir && (
          <button type="button" className="text-sky-700 hover:underline" onClick={() => setDir(parentOf(dir))}>
            Up
          </button>
        )}
      </div>
      {error && (
        <p className="text-red-700" role="alert">
          {error}
        </p>
      )}
      {loading && <p className="text-slate-500">Reading your home folder…</p>}
      {listing && listing.entries.length === 0 && (
        <p className="text-slate-500">
          {dir ? "No notebooks, scripts or folders here." : "Your home folder has no notebooks or scripts yet."}
        </p>
      )}
      {listing && listing.entries.length > 0 && (
        <ul className="max-h-56 overflow-y-auto">
          {listing.entries.map((e) => (
            <li key={e.name}>
              <button
                type="button"
                className="flex w-full items-center gap-2 rounded px-1 py-1 text-left hover:bg-white"
                onClick={() => (e.kind === "folder" ? setDir(joined(dir, e.name)) : onPick(joined(dir, e.name)))}
              >
                <span className="w-16 shrink-0 text-xs text-slate-500">{e.kind}</span>
                <span className="min-w-0 break-all font-mono">
                  {e.name}
                  {e.kind === "folder" ? "/" : ""}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {listing?.truncated && (
        <p className="mt-1 text-xs text-amber-700">This folder has more entries than are shown; type the path instead.</p>
      )}
    </div>
  );
}
