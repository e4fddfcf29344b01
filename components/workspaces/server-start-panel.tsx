"use client";

import { Button } from "@/components/ui/button";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { apiFetch } from "@/components/ui/api";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ServerView } from "@/lib/workspaces/view";
import { cpus, endedAs, gib, serverPath } from "./format";
import { useHealth } from "./queries";
import { SpawnProgress } from "./spawn-progress";
import { StatusBadge } from "./status-badge";

/**
 * One server, for the page the workspace proxy sends people to when it is not running: start it
 * again with its last settings, follow the progress, and go to Jupyter once it is ready.
 */
export function ServerStartPanel({
  initial,
  envName,
  imageMissing,
  size,
}: {
  initial: ServerView;
  envName: string;
  /** What to do about a missing image (lib/environments/image-hint.ts); null when it is there. */
  imageMissing: string | null;
  /** The size it starts with: its last one, or what the owner's limits allow now (allowed-size.ts). */
  size: { cpu: number; memGb: number; reduced: boolean };
}) {
  const client = useQueryClient();
  const key = ["server", initial.user, initial.name];
  const path = serverPath(initial.user, initial.name);
  const server = useQuery({ queryKey: key, queryFn: () => apiFetch<ServerView>(path), initialData: initial, refetchInterval: 3_000 });
  const s = server.data;
  const engineDown = useHealth().data?.engine === "down";
  const start = useMutation({
    mutationFn: () =>
      apiFetch<ServerView>(path, {
        method: "POST",
        body: JSON.stringify({ environment: s.environment, cpu: size.cpu, memGb: size.memGb }),
      }),
    onSuccess: (started) => client.setQueryData(key, started),
  });
  // The API's address: on the workspace origin when ATRIUM_WORKSPACE_HOST is set.
  const url = s.url;
  // Started from this page: go to Jupyter once it runs, also when the 3 s poll sees "running" before the
  // progress stream says ready (the progress bar, and its onDone, are gone by then).
  const startedHere = start.isSuccess;
  useEffect(() => {
    if (startedHere && s.status === "running" && url) window.location.assign(url);
  }, [startedHere, s.status, url]);

  return (
    <div className="space-y-4">
      <div className="flex items-center gap-3">
        <span className="text-sm text-slate-500">Status</span>
        <StatusBadge status={s.status} />
      </div>
      <p className="text-sm text-slate-600">
        {envName} · {cpus(s.cpu)} · {gib(s.memGb)} of memory
        {s.stoppedAt && (s.status === "stopped" || s.status === "failed") && (
          <span suppressHydrationWarning>
            {" "}
            · {endedAs(s.status, s.reason)} <RelativeTime at={s.stoppedAt} />
          </span>
        )}
      </p>
      {s.status === "failed" && s.reason && (
        <p className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="server-reason">
          It failed: {s.reason}
        </p>
      )}
      {s.status === "stopped" && (
        <p className="text-slate-700">This workspace is stopped. Your files are kept; start it again to continue where you left off.</p>
      )}
      {(s.status === "stopped" || s.status === "failed") && (
        <div className="flex flex-wrap items-center gap-3">
          <Button size="lg" loading={start.isPending} disabled={engineDown || imageMissing !== null} onClick={() => start.mutate()}>
            {start.isPending ? "Starting…" : "Start"}
          </Button>
          <span className="text-sm text-slate-500">
            {engineDown
              ? "Starting is paused until the container engine answers again."
              : imageMissing
                ? imageMissing
                : size.reduced
                  ? `With ${envName}, ${cpus(size.cpu)} and ${gib(size.memGb)}: it last ran with ${cpus(s.cpu)} and ${gib(s.memGb)}, more than the limits allow now.`
                  : `With the same settings: ${envName}, ${cpus(s.cpu)}, ${gib(s.memGb)}.`}
          </span>
        </div>
      )}
      {s.status === "pending" && (
        <div className="max-w-xl">
          <SpawnProgress
            key={s.requestedAt}
            user={s.user}
            server={s.name}
            initial={{ progress: s.progress, message: s.message, requestedAt: s.requestedAt }}
            onDone={(e) => {
              if (e.ready) window.location.assign(url);
              else void client.invalidateQueries({ queryKey: key });
            }}
          />
          <p className="mt-2 text-xs text-slate-500">Jupyter opens here as soon as it is ready.</p>
        </div>
      )}
      {s.status === "running" && (
        <p className="text-slate-700">
          It is running.{" "}
          <a href={url} className="font-medium text-brand-600 hover:underline">
            Open it
          </a>
          .
        </p>
      )}
      {s.status === "stopping" && <p className="text-slate-700">It is stopping. You can start it again in a moment.</p>}
      {start.error && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">
          {start.error.message}
        </p>
      )}
    </div>
  );
}
