"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentPackagesView } from "@/lib/packages/environment-packages";

/** An environment card's Python section: version, package count, whether installs are kept, the list. */
export function EnvironmentPackages({ environmentId }: { environmentId: string }) {
  const q = useQuery({
    queryKey: ["environment-packages", environmentId],
    queryFn: () => apiFetch<EnvironmentPackagesView>(`/api/environments/${encodeURIComponent(environmentId)}/packages`),
    staleTime: Infinity,
    retry: false,
  });
  const [filter, setFilter] = useState("");
  if (q.isPending) {
    return (
      <div className="mt-4" data-testid={`env-packages-loading-${environmentId}`}>
        <p className="text-xs text-slate-500">Reading the image&apos;s Python packages (only the first time, a few seconds)…</p>
        <div className="mt-1 h-1 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label="Reading packages">
          <div className="h-1 w-1/3 animate-pulse rounded-full bg-brand-500" />
        </div>
      </div>
    );
  }
  if (q.isError) return <p className="mt-4 text-xs text-red-600">Its packages could not be read: {q.error.message}</p>;
  const d = q.data;
  const needle = filter.trim().toLowerCase();
  const shown = needle ? d.packages.filter((p) => p.name.toLowerCase().includes(needle)) : d.packages;
  return (
    <div className="mt-4 border-t border-slate-100 pt-3 text-sm" data-testid={`env-packages-${environmentId}`}>
      <p className="text-slate-700">
        Python {d.pythonVersion ?? "?"} · <strong data-testid="env-package-count">{d.packages.length}</strong> packages
      </p>
      <p className={`mt-1 text-xs ${d.userSiteInHome ? "text-emerald-700" : "text-amber-700"}`} data-testid="env-persistence">
        {d.userSiteInHome
          ? "Packages you install go to your home folder and survive a restart."
          : "Packages you install are lost when the workspace stops; ask an admin to add them to the image."}
      </p>
      <details className="mt-2">
        <summary className="cursor-pointer text-xs font-medium text-brand-700">Show the packages</summary>
        <input
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="Filter by name"
          aria-label={`Filter the packages of ${environmentId}`}
          className="mt-2 w-full rounded-md border border-slate-300 px-2 py-1 text-xs"
        />
        <ul className="mt-2 grid max-h-64 grid-cols-2 gap-x-4 overflow-auto font-mono text-xs">
          {shown.map((p) => (
            <li key={p.name} className="flex justify-between gap-2 py-0.5">
              <span className="truncate text-slate-800">{p.name}</span>
              <span className="text-slate-500">{p.version}</span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
