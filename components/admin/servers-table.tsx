"use client";

import { Button } from "@/components/ui/button";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import { cpus, num } from "@/components/workspaces/format";
import { CellMeter } from "@/components/ui/meter";
import { useHealth } from "@/components/workspaces/queries";
import { StatusBadge } from "@/components/workspaces/status-badge";
import type { AdminServerView, StopOutcome } from "@/lib/admin/servers-table";

const keyOf = (s: { user: string; name: string }) => `${s.user}/${s.name}`;

function uptime(startedAt: string | null, now: number): string {
  if (!startedAt) return "—";
  const m = Math.max(0, Math.floor((now - new Date(startedAt).getTime()) / 60_000));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/** Use against allocation: the bar is what the server was given, the fill what it uses now. */
function UseBar({ used, given, unit, label }: { used: number | undefined; given: number; unit: string; label: string }) {
  if (used === undefined)
    return (
      <span className="text-xs text-slate-400">
        — of {num(given)} {unit}
      </span>
    );
  return (
    <CellMeter
      width="w-32"
      label={label}
      used={used}
      max={given}
      red={90}
      amber={false}
      fullWithoutMax={false}
      base="bg-emerald-500"
      minPct={3}
      unit={unit}
      text={`${num(used)} of ${num(given)} ${unit}`}
    />
  );
}

/**
 * Every active workspace, refreshed every 15 s with one live engine reading each. Admins stop one,
 * or tick several and stop them together (POST /api/admin/servers/stop).
 */
export function ServersTable({ initial }: { initial: AdminServerView[] }) {
  const client = useQueryClient();
  const live = useQuery({
    queryKey: ["admin-servers"],
    queryFn: () => apiFetch<AdminServerView[]>("/api/admin/servers"),
    refetchInterval: 15_000,
  });
  const rows = live.data ?? initial;
  const engineDown = useHealth().data?.engine === "down";
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [now, setNow] = useState(() => Date.now());
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  const stop = useMutation({
    mutationFn: (servers: { user: string; server: string }[]) =>
      apiFetch<{ results: StopOutcome[] }>("/api/admin/servers/stop", { method: "POST", body: JSON.stringify({ servers }) }),
    onSuccess: ({ results }) => {
      const failed = results.filter((r): r is Extract<StopOutcome, { ok: false }> => !r.ok);
      const stopped = results.length - failed.length;
      setMessage(
        failed.length
          ? { ok: false, text: `Stopping ${stopped} of ${results.length}; ${failed.map((f) => f.message).join(" ")}` }
          : { ok: true, text: `Stopping ${stopped} server${stopped === 1 ? "" : "s"}; their home folders are kept.` },
      );
      setPicked(new Set());
      void client.invalidateQueries({ queryKey: ["admin-servers"] });
    },
    onError: (err) => setMessage({ ok: false, text: err instanceof Error ? err.message : "Could not stop the servers." }),
  });

  const stoppable = rows.filter((r) => r.status !== "stopping");
  const allPicked = stoppable.length > 0 && stoppable.every((r) => picked.has(keyOf(r)));
  const toggle = (k: string) =>
    setPicked((p) => {
      const next = new Set(p);
      if (!next.delete(k)) next.add(k);
      return next;
    });
  const stopKeys = (keys: string[]) => {
    const refs = rows.filter((r) => keys.includes(keyOf(r))).map((r) => ({ user: r.user, server: r.name }));
    if (
      refs.length &&
      window.confirm(
        `Stop ${refs.length === 1 ? keys[0] : `${refs.length} servers`}? Unsaved notebook work in ${refs.length === 1 ? "it" : "them"} is lost.`,
      )
    )
      stop.mutate(refs);
  };
  const totals = rows.reduce((t, r) => ({ cpu: t.cpu + r.cpu, mem: t.mem + r.memGb }), { cpu: 0, mem: 0 });

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <span className="text-slate-600" data-testid="servers-summary">
          {rows.length} active server{rows.length === 1 ? "" : "s"} holding {cpus(totals.cpu)} and {num(totals.mem)} GiB
        </span>
        {live.isFetching && (
          <span className="inline-flex items-center gap-2 text-xs text-slate-500" role="status">
            <span className="h-1.5 w-24 overflow-hidden rounded-full bg-slate-100">
              <span className="block h-1.5 w-1/3 animate-pulse rounded-full bg-brand-500" />
            </span>
            reading live use from the engine…
          </span>
        )}
        <Button variant="danger" className="ml-auto" disabled={picked.size === 0 || stop.isPending} onClick={() => stopKeys([...picked])}>
          Stop selected ({picked.size})
        </Button>
      </div>
      {message && (
        <p role="status" className={`text-sm ${message.ok ? "text-emerald-700" : "text-red-600"}`}>
          {message.text}
        </p>
      )}
      <DataTable
        testId="servers-table"
        columns={[
          {
            label: (
              <input
                type="checkbox"
                aria-label="Select all servers"
                checked={allPicked}
                onChange={() => setPicked(allPicked ? new Set() : new Set(stoppable.map(keyOf)))}
              />
            ),
            className: "w-10",
          },
          "Server",
          "Status",
          "Environment",
          "Up for",
          "CPU now",
          "Memory now",
          "Last activity",
          "",
        ]}
        cell="px-2 font-medium first:px-4 first:py-2.5 last:px-4"
        panel
      >
        {rows.map((s) => {
          const k = keyOf(s);
          return (
            <tr key={k} data-testid={`server-row-${k}`}>
              <td className="px-4 py-2.5">
                <input
                  type="checkbox"
                  aria-label={`Select ${k}`}
                  disabled={s.status === "stopping"}
                  checked={picked.has(k)}
                  onChange={() => toggle(k)}
                />
              </td>
              <td className="px-2">
                <Link
                  href={`/admin/users/${encodeURIComponent(s.user)}`}
                  className="font-medium text-slate-900 hover:text-brand-600 hover:underline"
                >
                  {s.user}
                </Link>
                <span className="text-slate-500"> / {s.name}</span>
              </td>
              <td className="px-2">
                <StatusBadge status={s.status} />
              </td>
              <td className="px-2 text-slate-600">{s.environment}</td>
              <td className="px-2 tabular-nums text-slate-600">{uptime(s.startedAt, now)}</td>
              <td className="px-2">
                <UseBar used={s.used?.cpu} given={s.cpu} unit={s.cpu === 1 ? "CPU" : "CPUs"} label={`CPU of ${k}`} />
              </td>
              <td className="px-2">
                <UseBar used={s.used?.memGb} given={s.memGb} unit="GiB" label={`Memory of ${k}`} />
              </td>
              <td className="px-2 text-slate-600">
                <RelativeTime at={s.lastActivity} now={now} />
              </td>
              <td className="px-4 text-right">
                <Button
                  variant="danger-outline"
                  size="sm"
                  disabled={s.status === "stopping" || stop.isPending}
                  onClick={() => stopKeys([k])}
                >
                  Stop
                </Button>
              </td>
            </tr>
          );
        })}
        {rows.length === 0 && (
          <tr>
            <td colSpan={9} className="px-4 py-10 text-center text-slate-500" data-testid="no-active-servers">
              {engineDown
                ? "The container engine does not answer, so what runs on it cannot be listed; see above."
                : "No workspace is running. When people start one on their home page it appears here, with its live CPU and memory."}
            </td>
          </tr>
        )}
      </DataTable>
    </div>
  );
}
