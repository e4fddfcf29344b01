import { DataTable } from "@/components/ui/data-table";
import { pythonsOfWheelsOnly } from "@atrium/core/lib/packages/fit";
import type { ProjectFile, VersionInfo } from "@atrium/core/lib/packages/simple-client";

const badge = "rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

/**
 * Versions newest first, with what pip would think of each: latest, pre-release, yanked, and which
 * Pythons: Requires-Python, else what its wheels are built for ("cp311 only"), else any.
 */
export function VersionTable({ versions, latest, files }: { versions: VersionInfo[]; latest?: string; files: ProjectFile[] }) {
  return (
    <DataTable
      testId="versions"
      columns={["Version", "Status", "Python", "Files"]}
      head="text-left text-xs uppercase tracking-wide text-slate-400"
      cell="py-2 pr-4 font-medium last:pr-0"
    >
      {versions.map((v) => (
        <tr key={v.version} data-testid={`version-${v.version}`} className={v.yanked ? "text-slate-400" : "text-slate-800"}>
          <td className="py-2 pr-4 font-mono">{v.yanked ? <s>{v.version}</s> : v.version}</td>
          <td className="py-2 pr-4">
            <span className="flex flex-wrap gap-1">
              {v.version === latest && <span className={`${badge} bg-emerald-50 text-emerald-800 ring-emerald-200`}>latest</span>}
              {v.prerelease && <span className={`${badge} bg-amber-50 text-amber-800 ring-amber-200`}>pre-release</span>}
              {v.yanked && (
                <span className={`${badge} bg-red-50 text-red-700 ring-red-200`} title={v.yankedReason}>
                  yanked{v.yankedReason ? `: ${v.yankedReason}` : ""}
                </span>
              )}
            </span>
          </td>
          <td className="py-2 pr-4 font-mono text-xs" data-testid="version-python">
            {v.requiresPython ?? pythonsOfWheelsOnly(files.filter((f) => f.version === v.version)) ?? (
              <span className="text-slate-400">any</span>
            )}
          </td>
          <td className="py-2 text-xs text-slate-500">{v.kinds.length ? v.kinds.join(", ") : "—"}</td>
        </tr>
      ))}
    </DataTable>
  );
}
