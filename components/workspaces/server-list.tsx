"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentView } from "@/lib/environments/manage";
import type { ServerView } from "@/lib/workspaces/view";
import { cpus, gib, relativeTime, serverPath } from "./format";
import { LiveUsage } from "./live-usage";
import { keys } from "./queries";
import { SpawnProgress } from "./spawn-progress";
import { StatusBadge } from "./status-badge";

/** Re-renders every `ms` so "5 min ago" stays true between polls. */
function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

const buttonBase = "rounded-lg px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-50";

function ServerRow({ user, s, envName, engineDown }: { user: string; s: ServerView; envName: string; engineDown: boolean }) {
  const client = useQueryClient();
  const now = useNow();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: keys.servers(user) });
    void client.invalidateQueries({ queryKey: keys.me });
  };
  const stop = useMutation({ mutationFn: () => apiFetch(serverPath(user, s.name), { method: "DELETE" }), onSettled: refresh });
  const start = useMutation({
    mutationFn: () => apiFetch(serverPath(user, s.name), { method: "POST", body: JSON.stringify({ environment: s.environment, cpu: s.cpu, memGb: s.memGb }) }),
    onSettled: refresh,
  });
  const error = stop.error ?? start.error;
  const when =
    s.status === "running"
      ? `started ${relativeTime(s.startedAt, now)} · last active ${relativeTime(s.lastActivity, now)}`
      : s.status === "pending"
        ? `requested ${relativeTime(s.requestedAt, now)}`
        : s.status === "stopping"
          ? `last active ${relativeTime(s.lastActivity, now)}`
          : `${s.status} ${relativeTime(s.stoppedAt ?? s.lastActivity, now)}`;

  return (
    <li className="py-4 first:pt-0 last:pb-0" data-testid={`server-${s.name}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <span className="font-semibold text-slate-900">{s.name}</span>
            <StatusBadge status={s.status} />
          </div>
          <p className="mt-0.5 text-sm text-slate-600">
            {envName} · {cpus(s.cpu)} · {gib(s.memGb)} of memory
          </p>
          <p className="text-xs text-slate-500" suppressHydrationWarning>
            {when}
          </p>
        </div>
        <div className="flex items-center gap-2">
          {s.status === "running" && (
            <a href={s.url} target="_blank" rel="noopener noreferrer" className={`${buttonBase} bg-brand-600 text-white hover:bg-brand-700`}>
              Open ↗
            </a>
          )}
          {(s.status === "running" || s.status === "pending") && (
            <button type="button" disabled={stop.isPending || engineDown} onClick={() => stop.mutate()} className={`${buttonBase} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}>
              {stop.isPending ? "Stopping…" : "Stop"}
            </button>
          )}
          {(s.status === "stopped" || s.status === "failed") && (
            <button
              type="button"
              disabled={start.isPending || engineDown}
              onClick={() => start.mutate()}
              title={`Starts ${s.name} again with ${envName}, ${cpus(s.cpu)} and ${gib(s.memGb)}`}
              className={`${buttonBase} border border-brand-600 bg-white text-brand-700 hover:bg-brand-50`}
            >
              {start.isPending ? "Starting…" : "Start again"}
            </button>
          )}
        </div>
      </div>
      {s.status === "failed" && s.reason && (
        <p className="mt-2 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="server-reason">
          It failed: {s.reason}
        </p>
      )}
      {s.status === "pending" && (
        <div className="mt-3 max-w-xl">
          <SpawnProgress key={s.requestedAt} user={user} server={s.name} initial={{ progress: s.progress, message: s.message }} onDone={refresh} />
        </div>
      )}
      {s.status === "running" && (
        <div className="mt-3 max-w-xl">
          <LiveUsage user={user} server={s.name} name={s.name} />
        </div>
      )}
      {error && (
        <p className="mt-2 text-sm text-red-600" role="alert">
          {error.message}
        </p>
      )}
    </li>
  );
}

export function ServerList({ user, servers, environments, engineDown }: { user: string; servers: ServerView[]; environments: EnvironmentView[] | undefined; engineDown: boolean }) {
  if (servers.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-slate-600" data-testid="no-servers">
        You have no workspaces yet. Pick an environment and start one.
      </p>
    );
  }
  const names = new Map(environments?.map((e) => [e.id, e.name]));
  return (
    <ul className="divide-y divide-slate-100" data-testid="server-list">
      {servers.map((s) => (
        <ServerRow key={s.name} user={user} s={s} envName={names.get(s.environment) ?? s.environment} engineDown={engineDown} />
      ))}
    </ul>
  );
}
