"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/ui/api";
import type { ServerStats } from "@/lib/workspaces/stats";
import { bytes, num, serverPath } from "./format";

function MiniBar({ label, used, max, text, testId }: { label: string; used: number; max: number; text: string; testId: string }) {
  const pct = max > 0 ? Math.min(100, (used / max) * 100) : 0;
  const tone = pct >= 90 ? "bg-red-500" : pct >= 70 ? "bg-amber-500" : "bg-emerald-500";
  return (
    <div className="min-w-0 flex-1" data-testid={testId}>
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="font-medium text-slate-600">{label}</span>
        <span className="truncate tabular-nums text-slate-500">{text}</span>
      </div>
      <div
        className="mt-1 h-1.5 rounded-full bg-slate-100"
        role="meter"
        aria-label={label}
        aria-valuenow={used}
        aria-valuemin={0}
        aria-valuemax={max}
      >
        <div
          className={`h-1.5 rounded-full ${tone} transition-[width] duration-500`}
          style={{ width: `${Math.max(pct, used > 0 ? 1 : 0)}%` }}
        />
      </div>
    </div>
  );
}

/** What a running server uses now, against what it was given; one sample every 5 s. */
export function LiveUsage({ user, server, name }: { user: string; server: string; name: string }) {
  const stats = useQuery({
    queryKey: ["stats", user, server],
    queryFn: () => apiFetch<ServerStats>(`${serverPath(user, server)}/stats`),
    refetchInterval: 5_000,
    staleTime: 0,
    retry: false,
  });
  if (stats.isPending) return <p className="text-xs text-slate-400">Measuring CPU and memory use…</p>;
  if (stats.error && !stats.data)
    return <p className="text-xs text-slate-400">Live use is not available right now ({stats.error.message})</p>;
  const s = stats.data;
  return (
    <div className="flex gap-6" aria-label={`Live use of ${name}`}>
      <MiniBar
        label="CPU use"
        used={s.cpu}
        max={s.cpuLimit}
        text={`${s.cpu.toFixed(2)} of ${num(s.cpuLimit)} core${s.cpuLimit === 1 ? "" : "s"}`}
        testId="live-cpu"
      />
      <MiniBar
        label="Memory use"
        used={s.memBytes}
        max={s.memLimitBytes}
        text={`${bytes(s.memBytes)} of ${bytes(s.memLimitBytes)}`}
        testId="live-mem"
      />
    </div>
  );
}
