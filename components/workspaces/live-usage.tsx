"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/ui/api";
import type { ServerStats } from "@/lib/workspaces/stats";
import { Meter } from "@/components/ui/meter";
import { bytes, num, serverPath } from "./format";

const LIVE = { size: "sm", base: "bg-emerald-500", minPct: 1, animate: true, className: "min-w-0 flex-1" } as const;

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
      <Meter
        {...LIVE}
        label="CPU use"
        used={s.cpu}
        max={s.cpuLimit}
        text={`${s.cpu.toFixed(2)} of ${num(s.cpuLimit)} core${s.cpuLimit === 1 ? "" : "s"}`}
        testId="live-cpu"
      />
      <Meter
        {...LIVE}
        label="Memory use"
        used={s.memBytes}
        max={s.memLimitBytes}
        text={`${bytes(s.memBytes)} of ${bytes(s.memLimitBytes)}`}
        testId="live-mem"
      />
    </div>
  );
}
