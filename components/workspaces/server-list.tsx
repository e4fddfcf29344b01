"use client";

import { Button, buttonClass } from "@/components/ui/button";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { RelativeTime } from "@/components/ui/relative-time";
import type { EnvironmentView } from "@/lib/environments/manage";
import type { Me } from "@/lib/users/me";
import type { ServerView } from "@/lib/workspaces/view";
import { restartSize } from "./allowed-size";
import { cpus, endedAs, gib, serverPath } from "./format";
import { LiveUsage } from "./live-usage";
import { keys } from "./queries";
import { SpawnLog, SpawnProgress, type SpawnLogEntry } from "./spawn-progress";
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

function ServerRow({
  me,
  s,
  env,
  envName,
  engineDown,
}: {
  me: Me;
  s: ServerView;
  env: EnvironmentView | undefined;
  envName: string;
  engineDown: boolean;
}) {
  const user = me.name;
  const client = useQueryClient();
  const now = useNow();
  // The last start's events stay readable after it ended (why it failed, or how long it took).
  const [lastLog, setLastLog] = useState<SpawnLogEntry[] | null>(null);
  // A start made here is followed from its 202 on: one that fails at once may never be seen pending in the list.
  const [following, setFollowing] = useState<ServerView | null>(null);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: keys.home(user) });
  };
  // The size it last had, or the most the person may use now if an admin lowered the limits since.
  const size = restartSize(me, env, s);
  const noRoom = me.startRefusal;
  const stop = useMutation({ mutationFn: () => apiFetch(serverPath(user, s.name), { method: "DELETE" }), onSettled: refresh });
  const start = useMutation({
    mutationFn: () =>
      apiFetch<ServerView>(serverPath(user, s.name), {
        method: "POST",
        body: JSON.stringify({ environment: s.environment, cpu: size.cpu, memGb: size.memGb }),
      }),
    onSuccess: (started) => setFollowing(started),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => apiFetch(serverPath(user, s.name), { method: "DELETE", body: JSON.stringify({ remove: true }) }),
    onSettled: refresh,
  });
  const error = stop.error ?? start.error ?? remove.error;
  const inactive = (s.status === "stopped" || s.status === "failed") && !following;
  const ago = (at: string | null | undefined) => <RelativeTime at={at} now={now} />;
  const when =
    s.status === "running" ? (
      <>
        started {ago(s.startedAt)} · last active {ago(s.lastActivity)}
      </>
    ) : s.status === "pending" ? (
      <>requested {ago(s.requestedAt)}</>
    ) : s.status === "stopping" ? (
      <>last active {ago(s.lastActivity)}</>
    ) : (
      <>
        {endedAs(s.status, s.reason)} {ago(s.stoppedAt ?? s.lastActivity)}
      </>
    );

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
          <p className="text-xs text-slate-500" suppressHydrationWarning data-testid="server-when">
            {when}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {s.status === "running" && (
            <a href={s.url} target="_blank" rel="noopener noreferrer" className={buttonClass("primary")}>
              Open ↗
            </a>
          )}
          {(s.status === "running" || s.status === "pending") && (
            <Button
              variant="secondary"
              loading={stop.isPending}
              disabled={engineDown}
              onClick={() => {
                if (window.confirm(`Stop ${s.name}? Its kernels end and unsaved notebook changes are lost; your home folder stays.`)) {
                  stop.mutate();
                }
              }}
            >
              {stop.isPending ? "Stopping…" : "Stop"}
            </Button>
          )}
          {inactive && (
            <Button
              loading={start.isPending}
              disabled={remove.isPending || engineDown || noRoom !== null}
              onClick={() => start.mutate()}
              title={noRoom ?? `Starts ${s.name} again with ${envName}, ${cpus(size.cpu)} and ${gib(size.memGb)}`}
            >
              {start.isPending ? "Starting…" : size.reduced ? `Start again with ${cpus(size.cpu)}, ${gib(size.memGb)}` : "Start again"}
            </Button>
          )}
          {inactive && (
            <Button
              variant="danger-outline"
              disabled={start.isPending || remove.isPending}
              onClick={() => {
                if (
                  window.confirm(
                    `Delete ${s.name} from your list? Your home folder stays; a new workspace of this name starts with the same files.`,
                  )
                )
                  remove.mutate();
              }}
            >
              {remove.isPending ? "Deleting…" : "Delete"}
            </Button>
          )}
        </div>
      </div>
      {inactive && size.reduced && !noRoom && (
        <p className="mt-2 text-sm text-amber-800" data-testid="restart-size-note">
          It last ran with {cpus(s.cpu)} and {gib(s.memGb)}; your limits now allow {cpus(size.cpu)} and {gib(size.memGb)}, so it starts
          again with that.
        </p>
      )}
      {s.status === "failed" && s.reason && !following && (
        <p className="mt-2 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="server-reason">
          It failed: {s.reason}
        </p>
      )}
      {(s.status === "pending" || following) && (
        <div className="mt-3 max-w-xl">
          <SpawnProgress
            key={(following ?? s).requestedAt}
            user={user}
            server={s.name}
            initial={{ progress: (following ?? s).progress, message: (following ?? s).message, requestedAt: (following ?? s).requestedAt }}
            onDone={(_e, log) => {
              setFollowing(null);
              setLastLog(log);
              refresh();
            }}
          />
        </div>
      )}
      {s.status !== "pending" && !following && lastLog && (
        <div className="mt-2 max-w-xl">
          <SpawnLog entries={lastLog} />
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

export function ServerList({
  me,
  servers,
  environments,
  engineDown,
}: {
  me: Me;
  servers: ServerView[];
  environments: EnvironmentView[] | undefined;
  engineDown: boolean;
}) {
  if (servers.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-slate-600" data-testid="no-servers">
        You have no workspaces yet. Pick an environment and start one.
      </p>
    );
  }
  const byId = new Map(environments?.map((e) => [e.id, e]));
  return (
    <ul className="divide-y divide-slate-100" data-testid="server-list">
      {servers.map((s) => (
        <ServerRow
          key={s.name}
          me={me}
          s={s}
          env={byId.get(s.environment)}
          envName={byId.get(s.environment)?.name ?? s.environment}
          engineDown={engineDown}
        />
      ))}
    </ul>
  );
}
