"use client";

import { Button } from "@/components/ui/button";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { LabelledSelect } from "@/components/ui/field";
import type { InstallEvent } from "@/lib/packages/install";
import type { InstallTarget } from "@/lib/packages/install-targets";
import type { InstalledPackage } from "@/lib/packages/installed";
import { normalizeName } from "@/lib/packages/names";
import { postEventStream } from "./read-sse";

type Done = Extract<InstallEvent, { type: "done" }>;

/**
 * "Install into…": pick a running workspace and a version; pip's output streams into a terminal box.
 * Versions that cannot install into the chosen workspace's Python (lib/packages/fit.ts) are offered
 * greyed out with why, and what is installed there now is shown.
 */
export function InstallPanel({
  user,
  packageName,
  versions,
  latest,
  targets,
  unfit,
}: {
  user: string;
  packageName: string;
  /** Newest first, without yanked ones. */
  versions: string[];
  latest?: string;
  targets: InstallTarget[];
  /** Per workspace: the versions that do not fit its Python, and why. */
  unfit: Record<string, Record<string, string>>;
}) {
  const [server, setServer] = useState(targets[0]?.server ?? "");
  const [version, setVersion] = useState("");
  const [lines, setLines] = useState<string[]>([]);
  const [running, setRunning] = useState(false);
  const [startedAt, setStartedAt] = useState(0);
  const [now, setNow] = useState(0);
  const [result, setResult] = useState<Done | { type: "error"; message: string } | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const queries = useQueryClient();

  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);
  useEffect(() => {
    box.current?.scrollTo({ top: box.current.scrollHeight });
  }, [lines]);

  if (targets.length === 0) {
    return (
      <div
        data-testid="install-empty"
        className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600"
      >
        Packages are installed into a running workspace, and you have none running.{" "}
        <Link href="/#start" className="font-medium text-brand-600 hover:underline">
          Start one on My workspaces
        </Link>{" "}
        and come back here.
      </div>
    );
  }

  const target = targets.find((t) => t.server === server);
  const unfitHere = unfit[server] ?? {};
  const unfitCount = Object.keys(unfitHere).length;
  const newestFitting = latest && !unfitHere[latest] ? latest : versions.find((v) => !unfitHere[v]);
  const install = async () => {
    setLines([]);
    setResult(null);
    setRunning(true);
    setStartedAt(Date.now());
    setNow(Date.now());
    try {
      await postEventStream<InstallEvent>(
        `/api/users/${encodeURIComponent(user)}/servers/${encodeURIComponent(server)}/packages`,
        version ? { name: packageName, version } : { name: packageName },
        (e) => {
          if (e.type === "start") setLines([`$ ${e.command}`]);
          else if (e.type === "line") setLines((l) => [...l.slice(-499), e.line]);
          else {
            setResult(e);
            void queries.invalidateQueries({ queryKey: ["installed", user, server] });
          }
        },
      );
    } catch (err) {
      setResult({ type: "error", message: err instanceof Error ? err.message : String(err) });
    } finally {
      setRunning(false);
    }
  };

  const elapsed = Math.max(0, Math.round(((running ? now : now || startedAt) - startedAt) / 1000));
  return (
    <div className="space-y-4" data-testid="install-panel">
      <div className="flex flex-wrap items-end gap-3">
        <LabelledSelect
          label="Workspace"
          data-testid="install-server"
          value={server}
          onChange={(e) => setServer(e.target.value)}
          disabled={running}
        >
          {targets.map((t) => (
            <option key={t.server} value={t.server}>
              {t.server} · {t.environmentName}
            </option>
          ))}
        </LabelledSelect>
        <LabelledSelect
          label="Version"
          data-testid="install-version"
          value={version}
          onChange={(e) => setVersion(e.target.value)}
          disabled={running}
        >
          <option value="">newest pip picks{newestFitting ? ` (${newestFitting})` : ""}</option>
          {versions.map((v) => (
            <option key={v} value={v} disabled={Boolean(unfitHere[v])} title={unfitHere[v]}>
              {v}
              {unfitHere[v] ? " — does not fit this workspace" : ""}
            </option>
          ))}
        </LabelledSelect>
        <Button onClick={() => void install()} loading={running} disabled={!server}>
          {running ? "Installing…" : `Install into ${server}`}
        </Button>
      </div>
      {target && <InstalledHere user={user} server={server} packageName={packageName} />}
      {target?.python && unfitCount > 0 && (
        <p className="text-xs text-amber-800" data-testid="install-unfit">
          {server} runs Python {target.python.python} on {target.python.arch}: {unfitCount} version{unfitCount === 1 ? "" : "s"} of{" "}
          {packageName} cannot install there and {unfitCount === 1 ? "is" : "are"} greyed out
          {versions.length > 0 && unfitHere[versions[0] ?? ""] ? ` (the newest: ${unfitHere[versions[0] ?? ""]})` : ""}.
        </p>
      )}
      {target && (
        <p className="text-xs text-slate-500" data-testid="install-persistence">
          {target.keptOnRestart === true
            ? `Installs in ${target.server} go to your home folder and are kept when the workspace restarts.`
            : target.keptOnRestart === false
              ? `The ${target.environmentName} environment installs outside your home folder: packages are lost when ${target.server} stops.`
              : "Whether installs survive a restart is unknown for this environment."}
        </p>
      )}
      {target?.terminalIndex === "other" && (
        <p className="text-xs text-amber-800" data-testid="install-terminal-index">
          The package index has changed since {target.server} started: installs from this page use the new one, but pip typed in its
          terminal still uses the index it started with until you restart {target.server}.
        </p>
      )}
      {(running || lines.length > 0) && (
        <div>
          {running && (
            <div className="mb-2" data-testid="install-working">
              <div className="flex justify-between text-xs text-slate-600">
                <span>pip is working in {server}…</span>
                <span className="tabular-nums">{elapsed} s</span>
              </div>
              <div className="mt-1 h-1.5 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label="Installing">
                <div className="h-1.5 w-1/3 animate-[atrium-slide_1.2s_ease-in-out_infinite] rounded-full bg-brand-500" />
              </div>
            </div>
          )}
          <pre
            ref={box}
            data-testid="install-output"
            className="max-h-72 overflow-auto rounded-lg bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100"
          >
            {lines.length > 0 ? lines.join("\n") : "Starting pip in the workspace…"}
          </pre>
        </div>
      )}
      {result && (
        <p
          role="status"
          data-testid="install-result"
          className={`rounded-lg px-4 py-3 text-sm ${result.type === "done" && result.ok ? "border border-emerald-200 bg-emerald-50 text-emerald-900" : "border border-red-200 bg-red-50 text-red-800"}`}
        >
          {result.message}
          {result.type === "done" && result.ok && (
            <span className="text-emerald-800" data-testid="install-kernel-advice">
              {result.runningKernelsSeeIt
                ? ` Notebooks open in ${server} can import it now; a kernel that had already imported an older version needs a restart.`
                : ` Restart the kernel of any notebook already open in ${server} to import it: pip created your package folder just now, and Python only looks there when a kernel starts.`}
            </span>
          )}
          {result.type === "done" && <span className="ml-1 text-xs opacity-70">({elapsed} s)</span>}
        </p>
      )}
      <style>{`@keyframes atrium-slide { 0% { transform: translateX(-100%); } 100% { transform: translateX(300%); } }`}</style>
    </div>
  );
}

/** What pip lists in the workspace for this package: the version installed there, or that there is none. */
function InstalledHere({ user, server, packageName }: { user: string; server: string; packageName: string }) {
  const q = useQuery({
    queryKey: ["installed", user, server],
    queryFn: () => apiFetch<InstalledPackage[]>(`/api/users/${encodeURIComponent(user)}/servers/${encodeURIComponent(server)}/packages`),
    staleTime: 30_000,
    retry: false,
  });
  if (q.isPending) return <p className="text-xs text-slate-400">Checking what {server} has installed…</p>;
  if (q.isError) return null;
  const found = q.data.find((p) => normalizeName(p.name) === normalizeName(packageName));
  return (
    <p className="text-xs" data-testid="install-installed" data-version={found?.version ?? ""}>
      {found ? (
        <span className="rounded-full bg-emerald-50 px-2 py-0.5 font-medium text-emerald-800 ring-1 ring-inset ring-emerald-200">
          {packageName} {found.version} is installed in {server}
          {found.inHome ? " (by you)" : " (part of the environment)"}
        </span>
      ) : (
        <span className="text-slate-500">
          {packageName} is not installed in {server} yet.
        </span>
      )}
    </p>
  );
}
