import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import { formatBytes } from "@atrium/core/lib/quota/bytes";
import type { Principal } from "@atrium/core/lib/auth/principal";
import { getDb } from "@atrium/core/lib/runtime/db";
import { USAGE_RANGES } from "@atrium/core/lib/usage/ranges";
import { myRecentUsage } from "@atrium/core/lib/usage/report";
import { describeMe } from "@atrium/core/lib/users/me";
import { listHoldings } from "@atrium/core/lib/quota/holdings";
import { JobHoldings } from "./job-holdings";
import { UsageChart } from "./usage-chart";

const GIB = 1024 ** 3;

/** "My usage" on the home page: the last 24 hours of the person's own CPU and memory against their limits. */
export async function MyUsageCard({ principal }: { principal: Principal }) {
  const db = await getDb();
  const me = await describeMe(db, principal);
  const report = await myRecentUsage(db, principal.userId, me.limits);
  const held = principal.userId ? await listHoldings(db, principal.userId) : [];
  const ran = report.rows.some((r) => (r.cpuAllocated ?? 0) > 0);
  const ms = USAGE_RANGES[report.range].ms;
  const window = report.range === "1h" ? "the last hour (nothing of yours ran before it)" : "the last 24 hours";
  return (
    <Card
      title="My usage"
      description={`Your artifacts against your storage quota, and ${window} of your workspaces and job executions, sampled every minute (UTC).`}
    >
      <div className="mb-6 max-w-md">
        <Meter
          label="Artifact storage"
          used={me.storage.usedBytes}
          max={me.limits.maxStorageGb * GIB}
          unit="bytes"
          text={`${formatBytes(me.storage.usedBytes)} of ${formatBytes(me.limits.maxStorageGb * GIB)}`}
          testId="my-storage"
        />
        <p className="mt-1 text-xs text-slate-500">
          The files of your runs and logged models. An upload that would pass the quota is refused.
        </p>
      </div>
      {ran ? (
        <div className="grid gap-6 md:grid-cols-2" data-testid="my-usage">
          {(
            [
              ["CPU", "cpu", me.limits.maxTotalCpu, "CPUs", "my-usage-cpu", "my-usage-window"],
              ["Memory", "memGb", me.limits.maxTotalMemGb, "GiB", "my-usage-memory", undefined],
            ] as const
          ).map(([what, key, limit, unit, testId, windowTestId]) => (
            <div key={testId}>
              <h3 className="text-sm font-medium text-slate-700" data-testid={windowTestId}>
                {what} · {USAGE_RANGES[report.range].label.toLowerCase()}
              </h3>
              <UsageChart
                small
                rows={report.rows}
                areas={[{ key: `${key}Allocated`, name: "allocated" }]}
                usedKey={`${key}Used`}
                usedName="used"
                ceiling={limit}
                ceilingLabel={`your limit ${limit} ${unit}`}
                unit={unit}
                rangeMs={ms}
                testId={testId}
              />
            </div>
          ))}
        </div>
      ) : (
        <p className="text-sm text-slate-500" data-testid="my-usage-empty">
          Nothing of yours ran in the last 24 hours. Start a workspace above or run a job; its CPU and memory show up here a minute later.
        </p>
      )}
      {held.some((h) => h.kind === "job") && (
        <div className="mt-6">
          <h3 className="mb-2 text-sm font-medium text-slate-700">Your job executions running now</h3>
          <JobHoldings rows={held} owners={false} testId="my-running-executions" />
        </div>
      )}
    </Card>
  );
}
