import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { TopUsersChart } from "@/components/usage/top-users-chart";
import { UsageChart } from "@/components/usage/usage-chart";
import { Card } from "@/components/ui/card";
import { cpus, num } from "@/components/workspaces/format";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { USAGE_RANGES, usageRangeSchema, type UsageRange } from "@atrium/core/lib/usage/ranges";
import { adminUsageReport } from "@atrium/core/lib/usage/report";
import { USAGE_RETENTION_DAYS } from "@atrium/core/lib/usage/sample";
import { requireAdmin } from "../../_lib/page-auth";

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const range: UsageRange = usageRangeSchema.parse((await searchParams).range);
  const report = await adminUsageReport(await getDb(), getSpawner(), range);
  const { ms } = USAGE_RANGES[range];
  const now = report.latest;
  const round1 = (n: number) => Math.round(n * 10) / 10;
  const capacityNote = `Machine capacity from ${report.capacity.source === "engine" ? "the container engine" : "the portal's host (the engine did not answer)"}.`;

  return (
    <div className="space-y-6">
      <PageHeader
        title="Usage"
        actions={
          <nav className="flex gap-1 rounded-lg border border-slate-200 bg-white p-1 text-sm" aria-label="Time range">
            {(Object.keys(USAGE_RANGES) as UsageRange[]).map((r) => (
              <Link
                key={r}
                href={`/admin/usage?range=${r}`}
                aria-current={r === range ? "page" : undefined}
                className={`rounded-md px-3 py-1 ${r === range ? "bg-slate-800 text-white" : "text-slate-600 hover:bg-slate-100"}`}
              >
                {USAGE_RANGES[r].label}
              </Link>
            ))}
          </nav>
        }
      >
        What running workspaces were given (allocated) and what they used, sampled every minute and kept {USAGE_RETENTION_DAYS} days. Times
        are UTC.
      </PageHeader>
      {report.samples === 0 ? (
        <Card title="No samples yet">
          <p className="text-sm text-slate-600" data-testid="usage-empty">
            The portal records usage once a minute while it runs; the first points appear a minute after it starts. Nothing was recorded in
            this window.
          </p>
        </Card>
      ) : (
        <>
          <div className="grid gap-4 sm:grid-cols-3" data-testid="usage-now">
            <Stat
              label="CPU allocated now"
              value={`${num(now?.cpuAllocated ?? 0)} of ${num(report.capacity.cpu)}`}
              note={`${cpus(round1(now?.cpuUsed ?? 0))} in use by ${now?.servers ?? 0} server${now?.servers === 1 ? "" : "s"}`}
            />
            <Stat
              label="Memory allocated now"
              value={`${num(round1(now?.memGbAllocated ?? 0))} of ${num(Math.round(report.capacity.memGb))} GiB`}
              note={`${num(round1(now?.memGbUsed ?? 0))} GiB in use`}
            />
            <Stat
              label="Busiest people in this window"
              value={String(report.topUsers.length)}
              note={report.topUsers[0] ? `${report.topUsers[0].name} peaked at ${cpus(report.topUsers[0].cpuPeak)}` : "nobody ran a server"}
            />
          </div>
          {(
            [
              ["CPU", report.cpu, report.capacity.cpu, "CPUs", "chart-cpu"],
              ["Memory", report.memGb, round1(report.capacity.memGb), "GiB", "chart-memory"],
            ] as const
          ).map(([what, rows, capacity, unit, testId]) => (
            <Card key={testId} title={`${what}: allocated by role against the machine`} description={capacityNote}>
              <UsageChart
                rows={rows}
                areas={report.roles.map((role) => ({ key: `role:${role}`, name: `allocated · ${role}` }))}
                usedKey="used"
                usedName="used (all)"
                ceiling={capacity}
                ceilingLabel={`machine: ${round1(capacity)} ${unit}`}
                unit={unit}
                rangeMs={ms}
                testId={testId}
              />
            </Card>
          ))}
          <div className="grid gap-6 lg:grid-cols-2">
            {(
              [
                [
                  "CPU",
                  "CPUs",
                  "chart-top-cpu",
                  "Peak allocation in this window, average use while running, and the person's total CPU limit.",
                  "cpu",
                  "maxTotalCpu",
                ],
                [
                  "Memory",
                  "GiB",
                  "chart-top-memory",
                  "Peak allocation, average use while running, and the person's total memory limit.",
                  "memGb",
                  "maxTotalMemGb",
                ],
              ] as const
            ).map(([what, unit, testId, description, key, limitKey]) => (
              <Card key={testId} title={`${what} per person against their quota`} description={description}>
                <TopUsersChart
                  testId={testId}
                  unit={unit}
                  bars={report.topUsers.map((u) => ({
                    name: u.name,
                    peak: u[`${key}Peak`],
                    used: Math.round(u[`${key}UsedAvg`] * 100) / 100,
                    quota: u.limits?.[limitKey] ?? null,
                  }))}
                />
              </Card>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-5 py-4 shadow-sm">
      <div className="text-sm text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</div>
      <div className="mt-0.5 text-sm text-slate-500">{note}</div>
    </div>
  );
}
