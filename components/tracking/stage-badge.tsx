const TONE: Record<string, string> = {
  Production: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  Staging: "bg-amber-50 text-amber-800 ring-amber-200",
  Archived: "bg-slate-100 text-slate-500 ring-slate-200",
};

export function StageBadge({ stage }: { stage: string | undefined }) {
  const s = stage ?? "None";
  if (s === "None") return <span className="text-xs text-slate-400">no stage</span>;
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE[s] ?? TONE.Archived}`}>{s}</span>
  );
}

export function AliasBadge({ alias }: { alias: string }) {
  return (
    <span className="inline-flex rounded-md bg-violet-50 px-1.5 py-0.5 font-mono text-xs text-violet-700 ring-1 ring-inset ring-violet-200">
      @{alias}
    </span>
  );
}
