import { Meter } from "@/components/ui/meter";
import { formatBytes } from "@/lib/quota/bytes";
import type { ProjectAllowance, ProjectInUse } from "@atrium/core/lib/projects/allowance";

/**
 * What the project's servers, running jobs and endpoints hold, and its artifacts store, against its allowance
 * (docs/projects.md, "Allowances"); a limit an admin did not set reads "no limit".
 */
export function AllowanceMeters({ allowance, inUse }: { allowance: ProjectAllowance; inUse: ProjectInUse }) {
  const GIB = 1024 ** 3;
  const stored = formatBytes(inUse.storageBytes);
  const rows: { label: string; used: number; max: number | null; unit: string; text?: string }[] = [
    { label: "CPUs", used: inUse.cpu, max: allowance.cpu, unit: "CPUs" },
    { label: "Memory", used: inUse.memGb, max: allowance.memGb, unit: "GiB" },
    { label: "Endpoints", used: inUse.endpoints, max: allowance.endpoints, unit: "" },
    {
      label: "Storage",
      used: inUse.storageBytes / GIB,
      max: allowance.storageGb,
      unit: "GiB",
      text: `${stored} / ${formatBytes(Math.floor((allowance.storageGb ?? 0) * GIB))}`,
    },
  ];
  const limited = rows.some((r) => r.max !== null);
  return (
    <div className="mt-5 border-t border-slate-100 pt-4" data-testid="project-allowance">
      <p className="text-sm text-slate-600">
        {limited
          ? "Its allowance, shared by every member's servers, running jobs and endpoints started in the project (an endpoint counts per replica at its most replicas), and the artifacts its experiments' runs and models store:"
          : "It has no allowance: what its members start counts only against their own limits. An admin may set one."}
      </p>
      {limited && (
        <div className="mt-3 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {rows.map((r) =>
            r.max === null ? (
              <Meter
                key={r.label}
                label={r.label}
                used={r.used}
                max={0}
                text={`${r.label === "Storage" ? stored : `${fmt(r.used)} ${r.unit}`.trim()} · no limit`}
              />
            ) : (
              <Meter
                key={r.label}
                testId={`allowance-${r.label.toLowerCase()}`}
                label={r.label}
                used={r.used}
                max={r.max}
                unit={r.unit}
                text={r.text}
              />
            ),
          )}
        </div>
      )}
      <p className="mt-2 text-xs text-slate-500">
        Held now: {inUse.servers} server{inUse.servers === 1 ? "" : "s"}, {inUse.jobs} running job{inUse.jobs === 1 ? "" : "s"}.
      </p>
    </div>
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
